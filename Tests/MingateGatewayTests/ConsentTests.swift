import Foundation
import MingatePolicy
import Testing

@testable import MingateGateway

/// Consent, subjects, legal requests, transfers and minors, enforced where the data leaves.
@Suite struct ConsentTests {
    static let verify = "/p/verihubs/identity-verification/v1/identity/verify"
    static let boundary = "b0undary"
    static let body = Array("--b0undary\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nBudi\r\n--b0undary--\r\n".utf8)

    func verifyCall(_ harness: GatewayHarness, headers: [(String, String)] = []) async throws -> GatewayHarness.Answer {
        try await harness.send(
            "POST", Self.verify, token: GatewayHarness.accountToken,
            headers: [("Content-Type", "multipart/form-data; boundary=\(Self.boundary)")] + headers, body: Self.body)
    }

    @Test func consentsAreLedgerEntriesAnAuditorCanSearch() async throws {
        try await GatewayHarness.with { harness in
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            // Evidence that could be the person's own data is kept only as a keyed digest.
            let typed = try await harness.send(
                "POST", "/admin/consents", token: GatewayHarness.adminToken, headers: [("Content-Type", "application/json")],
                body: Array(#"{"subject":"\#(GatewayHarness.subject)","partner":"verihubs","purpose":"identity-verification","state":"withdrawn","evidence":"budi@example.com"}"#.utf8))
            #expect(typed.status == 200)
            #expect(typed.json?["evidence"]?.stringValue?.hasPrefix("hmac-sha256:") == true)
            #expect(try await verifyCall(harness).errorCode == "consent_required", "the withdrawal is in force")

            let entries = try await harness.entries(kind: .consent, atLeast: 2)
            #expect(entries.map { $0["state"]?.stringValue } == ["granted", "withdrawn"])
            #expect(entries.map { $0["evidence"]?.stringValue } == ["consent-screen-42", typed.json?["evidence"]?.stringValue])
            #expect(try !harness.ledgerEntries().contains { String(decoding: $0.encoded, as: UTF8.self).contains("budi@example.com") })

            let subjectKey = harness.gateway.policy.current.enforcer.subjectKey(for: GatewayHarness.subject)
            let search = try await harness.send(
                "GET", "/audit/records?kind=consent&subject_key=\(subjectKey)", token: GatewayHarness.auditorToken)
            #expect(search.status == 200)
            #expect(search.json?["records"]?.arrayValue?.compactMap { $0["state"]?.stringValue } == ["granted", "withdrawn"])
            #expect(try await harness.send("GET", "/audit/records?kind=outcome", token: GatewayHarness.auditorToken).errorCode == "bad_request")
        }
    }

    @Test func consentGrantedThenWithdrawn() async throws {
        try await GatewayHarness.with { harness in
            let before = try await verifyCall(harness)
            #expect(before.status == 403)
            #expect(before.errorCode == "consent_required")
            #expect(harness.partner.received.isEmpty)

            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            #expect(try await verifyCall(harness).status == 200)
            #expect(harness.partner.received.count == 1)

            try await harness.consent("withdrawn", partner: "verihubs", purpose: "identity-verification")
            let after = try await verifyCall(harness)
            #expect(after.status == 403)
            #expect(after.errorCode == "consent_required")
            #expect(harness.partner.received.count == 1, "the call after the withdrawal never reached the partner")

            // Another person's consent is not this person's.
            let other = try await harness.send(
                "POST", Self.verify, token: GatewayHarness.accountToken,
                headers: [("Content-Type", "multipart/form-data; boundary=\(Self.boundary)")], body: Self.body, subject: "customer-9999")
            #expect(other.errorCode == "consent_required")
            let records = try harness.decisions()
            let reasons = records.map { $0["reason"]?.stringValue }
            #expect(reasons == ["consent_required", "allowed", "consent_required", "consent_required"])
            // What a refusal would have sent is not a disclosure: refused records list nothing as disclosed.
            for record in records {
                guard case .array(let disclosed)? = record["disclosed"] else {
                    Issue.record("no disclosed array")
                    continue
                }
                #expect(disclosed.isEmpty == (record["decision"]?.stringValue == "refuse"))
                #expect((record["body_digest"] == nil) == (record["decision"]?.stringValue == "refuse"))
            }
        }
    }

    @Test func personalDataNeedsASubject() async throws {
        try await GatewayHarness.with { harness in
            let anonymous = try await harness.postJSON(
                "/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Siti"}"#, token: GatewayHarness.fulfilmentToken, subject: nil)
            #expect(anonymous.status == 400)
            #expect(anonymous.errorCode == "subject_required")
            // Midtrans gets order numbers and amounts only: no personal data, no subject needed.
            let payment = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder, subject: nil)
            #expect(payment.status == 200)
            #expect(harness.partner.received.count == 1)
        }
    }

    @Test func aLegalRequestNeedsItsReference() async throws {
        try await GatewayHarness.with { harness in
            let path = "/p/testpartner/lawful-request/v1/lawful-request"
            let without = try await harness.postJSON(path, #"{"customer_id":"C-1"}"#, token: GatewayHarness.testerToken)
            #expect(without.status == 400)
            #expect(without.errorCode == "legal_reference_required")
            #expect(harness.partner.received.isEmpty)
            let with = try await harness.postJSON(
                path, #"{"customer_id":"C-1"}"#, token: GatewayHarness.testerToken,
                headers: [("X-Mingate-Legal-Reference", "Polda Metro Jaya LP/B/1234/XI/2026")])
            #expect(with.status == 200)
            #expect(harness.partner.received.first?.header("X-Mingate-Legal-Reference") == nil, "the reference is recorded, not forwarded")
            let record = try #require(try harness.decisions().last)
            #expect(record["legal_reference"]?.stringValue == "Polda Metro Jaya LP/B/1234/XI/2026")
            #expect(record["legal_basis"]?.stringValue == "legal_obligation")
        }
    }

    @Test func aTransferAbroadNeedsTheSubjectsTransferConsent() async throws {
        try await GatewayHarness.with { harness in
            let path = "/p/testabroad/transfer/v1/profile"
            let before = try await harness.postJSON(path, #"{"name":"Budi"}"#, token: GatewayHarness.testerToken)
            #expect(before.status == 403)
            #expect(before.errorCode == "transfer_consent_required")
            try await harness.consent("granted", partner: "testabroad", purpose: "transfer", kind: "transfer")
            #expect(try await harness.postJSON(path, #"{"name":"Budi"}"#, token: GatewayHarness.testerToken).status == 200)
            let record = try #require(try harness.decisions().last)
            #expect(record["partner_country"]?.stringValue == "SG")
            #expect(record["transfer_basis"]?.stringValue == "consent")
        }
    }

    @Test func aPartnerAbroadWithoutATransferBasisDoesNotLoad() async throws {
        await #expect(throws: GatewayError.self) {
            try await GatewayHarness.with(configure: { _ in }) { harness in
                try GatewayHarness.abroadPartner.replacingOccurrences(of: "    transfer_basis: consent\n", with: "")
                    .write(toFile: harness.partnersDirectory + "/testabroad.yaml", atomically: true, encoding: .utf8)
                if case .rejected(let reason) = harness.gateway.reloader.reload(), reason.contains("transfer_basis") {
                    throw GatewayError(.policy, reason)
                }
            }
        }
    }

    @Test func aMinorNeedsAGuardiansConsent() async throws {
        try await GatewayHarness.with { harness in
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            let minor = try await verifyCall(harness, headers: [("X-Mingate-Subject-Minor", "true")])
            #expect(minor.status == 403)
            #expect(minor.errorCode == "guardian_consent_required")
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification", kind: "guardian")
            #expect(try await verifyCall(harness, headers: [("X-Mingate-Subject-Minor", "true")]).status == 200)
        }
    }
}
