import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

@Suite struct ErasureTests {
    @Test func erasureReachesEveryRecipientAndTheReportMatchesTheLedger() async throws {
        try await GatewayHarness.with { harness in
            // The subject's data goes to three partners; Midtrans has only a contact, the other two an endpoint.
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200)
            #expect(try await harness.postJSON("/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Siti"}"#, token: GatewayHarness.fulfilmentToken).status == 200)
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            #expect(try await ConsentTests().verifyCall(harness).status == 200)
            // Someone else's data, to show it is not swept up.
            _ = try await harness.postJSON("/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Ani"}"#, token: GatewayHarness.fulfilmentToken, subject: "customer-7")
            harness.partner.reset()

            let erased = try await harness.send(
                "POST", "/admin/subjects/erase", token: GatewayHarness.adminToken, headers: [("Content-Type", "application/json")],
                body: Array(#"{"subject":"\#(GatewayHarness.subject)"}"#.utf8))
            #expect(erased.status == 200)
            guard case .array(let partners)? = erased.json?["partners"] else {
                Issue.record("no partners in \(String(decoding: erased.body, as: UTF8.self))")
                return
            }
            let byPartner = Dictionary(uniqueKeysWithValues: partners.compactMap { p in p["partner"]?.stringValue.map { ($0, p["status"]?.stringValue ?? "") } })
            #expect(byPartner == ["midtrans": "notice_pending", "biteship": "sent", "verihubs": "sent"])

            // The two endpoints received exactly the subject id and the erasure id, with the partner's credentials.
            let received = harness.partner.received
            #expect(Set(received.map(\.path)) == ["/v1/privacy/erasure", "/v1/data-deletion"])
            for request in received {
                #expect(request.json?["subject_id"]?.stringValue == GatewayHarness.subject)
                #expect(request.json?["erasure_id"]?.stringValue == erased.json?["erasure_id"]?.stringValue)
            }
            #expect(received.first { $0.path == "/v1/data-deletion" }?.header("App-Key") == "verihubs-test-key")

            // Each erasure request is in the ledger like any disclosure.
            let erasureRecords = try harness.decisions().filter { $0["purpose"]?.stringValue == "erasure" }
            #expect(erasureRecords.count == 2)
            #expect(erasureRecords.allSatisfy { $0["legal_basis"]?.stringValue == "legal_obligation" && $0["reason"]?.stringValue == "erasure_request" })

            // The status is queryable.
            let status = try await harness.send("GET", "/admin/subjects/erasure?subject=\(GatewayHarness.subject)", token: GatewayHarness.adminToken)
            guard case .array(let statuses)? = status.json?["erasures"] else { return }
            #expect(statuses.count == 3)

            // The access report lists what the ledger holds for this subject, and only that.
            let store = try LedgerURL("sqlite:\(harness.ledgerPath)").open()
            let subjectKey = harness.gateway.policy.current.enforcer.subjectKey(for: GatewayHarness.subject)
            let entries = try store.query(LedgerFilter(subjectKey: subjectKey), after: -1, limit: 1000)
            let records = try LedgerURL("sqlite:\(harness.ledgerPath)").openConsents()
            let report = SubjectReport(
                subjectKey: subjectKey, entries: entries, consents: try records.history(subjectKey: subjectKey),
                erasures: try records.currentErasures(subjectKey: subjectKey))
            let forwards = entries.filter { $0.document?["decision"]?.stringValue == "forward" }
            #expect(report.disclosures.map(\.sequence) == forwards.map(\.sequence))
            #expect(Set(report.disclosures.map(\.partner)) == ["midtrans", "biteship", "verihubs"])
            #expect(report.disclosures.first { $0.partner == "verihubs" }?.legalBasis == "consent")
            #expect(report.consents.map(\.state) == [.granted])
            #expect(report.erasures.count == 3)
            #expect(report.html.contains("PT Midtrans (midtrans)"))
            #expect(!report.html.contains("Ani"))
            #expect(!report.html.contains("Siti"), "the report names recipients and categories, never the values")
        }
    }
}
