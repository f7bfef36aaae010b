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
            let partners = try #require(erased.json?["partners"]?.arrayValue, "\(String(decoding: erased.body, as: UTF8.self))")
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
            let statuses = try #require(status.json?["erasures"]?.arrayValue)
            #expect(statuses.count == 3)

            // The DPO sends Midtrans's notice and records it; a notice can be marked sent once, and only a pending one.
            let erasureID = erased.json?["erasure_id"]?.stringValue ?? ""
            func markSent(_ partner: String) async throws -> GatewayHarness.Answer {
                try await harness.send(
                    "POST", "/admin/subjects/notice-sent", token: GatewayHarness.adminToken, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"subject":"\#(GatewayHarness.subject)","erasure_id":"\#(erasureID)","partner":"\#(partner)","by":"DPO office","via":"e-mail to privacy@midtrans.example"}"#.utf8))
            }
            #expect(try await markSent("midtrans").status == 200)
            #expect(try await markSent("midtrans").json?["error"]?["code"]?.stringValue == "bad_request", "already sent")
            #expect(try await markSent("biteship").status == 400, "biteship's endpoint took it: no notice to send")
            #expect(try await markSent("midtranz").json?["error"]?["code"]?.stringValue == "unknown_partner")
            let after = try await harness.send("GET", "/admin/subjects/erasure?subject=\(GatewayHarness.subject)", token: GatewayHarness.adminToken)
            let current = try #require(after.json?["erasures"]?.arrayValue)
            #expect(current.first { $0["partner"]?.stringValue == "midtrans" }?["status"]?.stringValue == "notice_sent")

            // The access report lists what the ledger holds for this subject, grouped by recipient, and only that.
            let store = try LedgerURL("sqlite:\(harness.ledgerPath)").open()
            let subjectKey = harness.gateway.policy.current.enforcer.subjectKey(for: GatewayHarness.subject)
            let entries = try store.query(LedgerFilter(subjectKey: subjectKey), after: .start, limit: 1000)
            // Every status is an `erasure` entry of the log: three sent or pending, then the notice sent.
            var erasureFilter = LedgerFilter(subjectKey: subjectKey)
            erasureFilter.kind = .erasure
            let statusEntries = try store.query(erasureFilter, after: .start, limit: 1000).compactMap(ErasureStatus.init(entry:))
            #expect(statusEntries.map(\.state.rawValue).sorted() == ["notice_pending", "notice_sent", "sent", "sent"])
            #expect(statusEntries.allSatisfy { $0.erasureID == erasureID })
            func report(_ language: AccessReport.Language) throws -> AccessReport {
                AccessReport(
                    subjectKey: subjectKey, reference: "DSR-2026-0042", entries: entries,
                    consents: try store.consentHistory(subjectKey: subjectKey), erasures: try store.currentErasures(subjectKey: subjectKey),
                    policy: harness.gateway.policy.current.policy, language: language)
            }
            let english = try report(.en)
            let indonesian = try report(.id)
            #expect(english.recipients.map(\.partner) == ["midtrans", "biteship", "verihubs"])
            #expect(english.recipients.allSatisfy { $0.uses.allSatisfy { $0.purpose != "erasure" } }, "erasure is not a disclosure")
            let verihubs = try #require(english.recipients.first { $0.partner == "verihubs" })
            #expect(verihubs.legalEntity == "PT Verihubs Inteligensia Nusantara")
            #expect(verihubs.uses.first?.legalBasis == "consent")
            #expect(verihubs.uses.first?.categories.map(\.id) == ["identity.full_name"], "only the name was sent")
            #expect(english.consents.map(\.state) == [.granted])
            #expect(english.recipients.first { $0.partner == "midtrans" }?.erasures.first?.state == .noticeSent)
            #expect(english.html.contains("An erasure notice was sent to the recipient on"))
            #expect(english.html.contains("Check that the name and NIK belong to the person in the selfie"))
            #expect(indonesian.html.contains("Pemberitahuan penghapusan dikirim kepada penerima pada"))
            #expect(indonesian.html.contains("Memeriksa bahwa nama dan NIK milik orang yang ada di swafoto"))
            #expect(indonesian.html.contains("Nama sesuai dokumen identitas") && english.html.contains("Name as on an identity document"))
            #expect(indonesian.html.contains("PT Tik Star Media Indonesia") && indonesian.html.contains("DSR-2026-0042"))
            for page in [english.html, indonesian.html, JSONWriter().string(english.json)] {
                #expect(!page.contains("Ani") && !page.contains("Siti"), "recipients and categories, never the values")
                #expect(!page.contains("/v1/data-deletion") && !page.contains("/v2/charge"), "no internal endpoints")
            }
            #expect(!english.html.contains("identity-verification") && !indonesian.html.contains("identity.nik"), "words, not codes")
            #expect(JSONWriter().string(english.json).contains(#""purpose":"identity-verification""#), "the JSON keeps the codes too")
            #expect(english.recipients.first?.uses.first?.disclosures == 1)
        }
    }
}
