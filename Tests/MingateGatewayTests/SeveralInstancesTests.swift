import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// Two gateway instances on one PostgreSQL, each with its own log (origin) and checkpoint key: a consent granted
/// through one holds at the other, and searches and a person's access report cover both logs, each record with its
/// origin.
@Suite struct SeveralInstancesTests {
    static let postgresURL = ProcessInfo.processInfo.environment["MINGATE_TEST_POSTGRES_URL"]

    /// Runs a harness gateway on the shared test database under a fresh origin, with a key of that origin's own.
    static func instance(_ origin: String, _ body: (GatewayHarness) async throws -> Void) async throws {
        let signer = NoteSigner.generate(name: origin)
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("\(UUID().uuidString).key").path
        try signer.privateKeyText.write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        try await GatewayHarness.with(configure: {
            $0.ledger = postgresURL! + "?origin=" + origin
            $0.checkpointKeyFile = keyFile
        }, body)
    }

    @Test(.enabled(if: postgresURL != nil, "SKIPPED: needs MINGATE_TEST_POSTGRES_URL"))
    func twoInstancesShareConsentsAndAnswerForBothLogs() async throws {
        let run = UUID().uuidString.prefix(8).lowercased()
        let (originA, originB) = ("gw-a-\(run)", "gw-b-\(run)")
        let subject = "customer-\(run)"
        try await Self.instance(originA) { a in
            try await Self.instance(originB) { b in
                // Consent through A; the consent-based call through B is forwarded.
                try await a.consent("granted", partner: "verihubs", purpose: "identity-verification", subject: subject)
                let verify = try await b.send(
                    "POST", ConsentTests.verify, token: GatewayHarness.accountToken,
                    headers: [("Content-Type", "multipart/form-data; boundary=\(ConsentTests.boundary)")], body: ConsentTests.body,
                    subject: subject)
                #expect(verify.status == 200, "\(String(decoding: verify.body, as: UTF8.self))")
                // A consent's history is read in time order across the logs: granted again through B, then withdrawn
                // through A (whose log sorts first), it is withdrawn.
                try await b.consent("granted", partner: "verihubs", purpose: "identity-verification", subject: subject)
                try await Task.sleep(for: .milliseconds(5))
                try await a.consent("withdrawn", partner: "verihubs", purpose: "identity-verification", subject: subject)
                let withdrawn = try await b.send(
                    "POST", ConsentTests.verify, token: GatewayHarness.accountToken,
                    headers: [("Content-Type", "multipart/form-data; boundary=\(ConsentTests.boundary)")], body: ConsentTests.body,
                    subject: subject)
                #expect(withdrawn.errorCode == "consent_required", "the withdrawal through A holds at B")
                #expect(try await a.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder, subject: subject).status == 200)
                #expect(try await b.postJSON(
                    "/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Siti"}"#, token: GatewayHarness.fulfilmentToken,
                    subject: subject).status == 200)

                // B's search finds the disclosures of both logs, each with its origin.
                let key = b.gateway.policy.current.enforcer.subjectKey(for: subject)
                let all = try await b.send("GET", "/audit/records?subject_key=\(key)", token: GatewayHarness.auditorToken)
                let partners = all.json?["records"]?.arrayValue?.compactMap { $0["partner"]?.stringValue } ?? []
                #expect(Set(partners) == ["verihubs", "midtrans", "biteship"], "\(String(decoding: all.body, as: UTF8.self))")
                let origins = all.json?["origins"]?.arrayValue?.compactMap(\.stringValue) ?? []
                #expect(origins.count == partners.count && Set(origins) == [originA, originB])

                // Paged one at a time, by origin then sequence: the same records, no repeats.
                var paged: [String] = []
                var after = "-1"
                for _ in 0..<10 {
                    let page = try await b.send(
                        "GET", "/audit/records?subject_key=\(key)&limit=1&after=\(after.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")",
                        token: GatewayHarness.auditorToken)
                    paged += page.json?["records"]?.arrayValue?.compactMap { $0["partner"]?.stringValue } ?? []
                    guard let next = page.json?["next_after"]?.stringValue else { break }
                    #expect(next.contains("#"), "a position names its log: \(next)")
                    after = next
                }
                #expect(paged.sorted() == partners.sorted())
                // Only A's log, and a bare sequence number without an origin is refused, not read from the start.
                let onlyA = try await b.send("GET", "/audit/records?subject_key=\(key)&origin=\(originA)", token: GatewayHarness.auditorToken)
                #expect(onlyA.json?["records"]?.arrayValue?.compactMap { $0["partner"]?.stringValue }.sorted() == ["midtrans"])
                #expect(try await b.send("GET", "/audit/records?after=3", token: GatewayHarness.auditorToken).errorCode == "bad_request")

                // The person's access report from B names every recipient, whichever instance sent the data.
                let report = try await b.send(
                    "POST", "/audit/subjects/report", token: GatewayHarness.auditorToken, headers: [("Content-Type", "application/json")],
                    body: Array(#"{"subject":"\#(subject)","format":"json","language":"en"}"#.utf8))
                let recipients = report.json?["recipients"]?.arrayValue?.compactMap { $0["partner"]?.stringValue } ?? []
                #expect(Set(recipients) == ["verihubs", "midtrans", "biteship"], "\(String(decoding: report.body, as: UTF8.self).prefix(400))")
                let consents = report.json?["consents"]?.arrayValue?.compactMap { $0["state"]?.stringValue }
                #expect(consents == ["granted", "granted", "withdrawn"], "the consent history of both instances, in time order")
            }
        }
    }
}
