import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

@Suite struct AuditAPITests {
    @Test func auditorsReadPagesFiltersAndProofs() async throws {
        try await GatewayHarness.with { harness in
            _ = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            _ = try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: GatewayHarness.fulfilmentToken)
            _ = try await harness.postJSON("/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Siti"}"#, token: GatewayHarness.fulfilmentToken)

            // A caller's token reads nothing; an auditor's token sends nothing.
            #expect(try await harness.send("GET", "/audit/records").status == 401)
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: GatewayHarness.auditorToken).status == 401)

            let all = try await harness.send("GET", "/audit/records", token: GatewayHarness.auditorToken)
            #expect(all.status == 200)
            guard case .array(let records)? = all.json?["records"] else {
                Issue.record("no records array")
                return
            }
            #expect(records.count == 4, "three decisions and the auditor-token refusal; outcomes are not listed")
            #expect(all.json?["checkpoint"]?.stringValue?.hasPrefix("test.mingate/ledger\n") == true)

            let refused = try await harness.send("GET", "/audit/records?partner=midtrans&decision=refuse", token: GatewayHarness.auditorToken)
            guard case .array(let refusedRecords)? = refused.json?["records"] else { return }
            #expect(refusedRecords.map { $0["reason"]?.stringValue } == ["caller_not_allowed", "unauthenticated"])

            let page = try await harness.send("GET", "/audit/records?limit=1", token: GatewayHarness.auditorToken)
            let next = try #require(page.json?["next_after"])
            #expect(next == .number(JSONNumber(0)))
            let second = try await harness.send("GET", "/audit/records?limit=1&after=0", token: GatewayHarness.auditorToken)
            guard case .array(let secondRecords)? = second.json?["records"] else { return }
            #expect(secondRecords.first?["seq"] != .number(JSONNumber(0)))

            let proof = try await harness.send("GET", "/audit/proof/0", token: GatewayHarness.auditorToken)
            #expect(proof.status == 200)
            let receipt = try InclusionReceipt(text: String(decoding: proof.body, as: UTF8.self))
            #expect(try receipt.verify(with: GatewayHarness.checkpointSigner.verifier).size >= 1)
            #expect(try await harness.send("GET", "/audit/proof/999", token: GatewayHarness.auditorToken).status == 404)
        }
    }
}
