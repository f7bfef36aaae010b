import Testing

@testable import MingatePolicy

/// A partner's answer minimised for the caller, as the gateway does after sending.
@Suite struct AnswerMinimiserTests {
    /// The e-KYC sample: a verdict and a score, not the registry record the verifier may echo.
    @Test func theIdentityVerifierAnswersWithAVerdictNotTheRegistryRecord() throws {
        let policy = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        let enforcer = FixtureRunner(policy: policy).enforcer
        let registry = #"{"status":"verified","similarity_score":0.93,"reference_id":"R-1","name":"BUDI SANTOSO","nik":"3171234567890001","birth_date":"1990-01-02","address":{"street":"Jl. Sudirman 1"},"photo":"/9j/4AAQ"}"#
        let minimiser = try #require(enforcer.answerMinimiser(partner: "verihubs", purpose: "identity-verification"))
        #expect(enforcer.answerMinimiser(partner: "midtrans", purpose: "payment") == nil, "no response: block, relayed")
        let kept = minimiser.minimise(
            PartnerAnswer(status: 200, headers: [("Content-Type", "application/json"), ("X-Trace", "t")], body: Array(registry.utf8)))
        #expect(String(decoding: kept.body, as: UTF8.self) == #"{"status":"verified","similarity_score":0.93,"reference_id":"R-1"}"#)
        #expect(kept.received.map(\.category) == ["identity.verification_result", "identity.verification_result", "transaction.order_id"])
        #expect(kept.withheld.contains("$['nik']") && kept.withheld.contains("response-header:x-trace"))
        #expect(kept.headers.map(\.name) == ["Content-Type"])

        // What cannot be read back as JSON is withheld whole: the caller gets the status alone.
        for (type, body) in [("text/html", "<html>Budi</html>"), ("application/json", "{not json"), ("application/json", #""BUDI""#)] {
            let opaque = minimiser.minimise(PartnerAnswer(status: 502, headers: [("Content-Type", type)], body: Array(body.utf8)))
            #expect(opaque.body.isEmpty && opaque.status == 502, "\(type) \(body)")
            #expect(opaque.withheld == ["response:body"])
        }
    }
}
