import Foundation
import MingatePolicy
import Testing

@testable import MingateGateway
@testable import MingateLedger

/// Partner answers are disclosures too: cut to the purpose's `response:` allowlist, recorded in the outcome.
@Suite struct AnswerTests {
    @Test func anAnswerIsCutToItsAllowlistAndTheOutcomeNamesWhatCameBack() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.send(
                "GET", "/p/testpartner/lookup/v1/customers/budi%40example.com/orders/A-1?x=1", token: GatewayHarness.testerToken)
            #expect(answer.status == 200)
            // The stand-in echoes everything it received; the caller gets the method, a truncated path and the id.
            let requestID = try #require(answer.header("X-Request-Id"))
            #expect(
                String(decoding: answer.body, as: UTF8.self)
                    == #"{"received":{"method":"GET","path":"/v1","headers":{"x-request-id":"\#(requestID)"}}}"#)
            #expect(answer.header("Content-Type") == "application/json")

            let outcomes = try await harness.entries(kind: .outcome, atLeast: 1)
            let outcome = try #require(outcomes.first)
            #expect(outcome["response"]?.stringValue == "minimised")
            let fields = try #require(outcome["received"]?.arrayValue)
            #expect(fields.compactMap { $0["path"]?.stringValue } == [
                "$['received']['method']", "$['received']['path']", "$['received']['headers']['x-request-id']",
            ])
            #expect(fields.allSatisfy { $0["category"]?.stringValue == "transaction.status" })
        }
    }

    @Test func withoutAnAllowlistTheAnswerIsRelayedAndTheOutcomeSaysSo() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(answer.status == 200)
            #expect(answer.json?["received"]?["body"]?["payment_type"]?.stringValue == "bank_transfer")
            let outcome = try #require(try await harness.entries(kind: .outcome, atLeast: 1).first)
            #expect(outcome["response"]?.stringValue == "relayed")
            #expect(outcome["received"] == nil, "nothing minimised: no list")
        }
    }
}
