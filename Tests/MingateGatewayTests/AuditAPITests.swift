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
            let records = try #require(all.json?["records"]?.arrayValue)
            #expect(records.count == 3, "three decisions; outcomes and the counted anonymous refusal are not listed")
            #expect(all.json?["checkpoint"]?.stringValue?.hasPrefix("test.mingate/ledger\n") == true)

            let refused = try await harness.send("GET", "/audit/records?partner=midtrans&decision=refuse", token: GatewayHarness.auditorToken)
            let refusedRecords = try #require(refused.json?["records"]?.arrayValue)
            #expect(refusedRecords.map { $0["reason"]?.stringValue } == ["caller_not_allowed"])

            let page = try await harness.send("GET", "/audit/records?limit=1", token: GatewayHarness.auditorToken)
            let next = try #require(page.json?["next_after"])
            let first = try #require(page.json?["records"]?.arrayValue?.first)
            #expect(next == first["seq"])
            let firstSeq = try #require(first["seq"]?.sequence)
            let second = try await harness.send("GET", "/audit/records?limit=1&after=\(firstSeq)", token: GatewayHarness.auditorToken)
            let secondRecords = try #require(second.json?["records"]?.arrayValue)
            #expect(try #require(secondRecords.first?["seq"]?.sequence) > firstSeq)

            let proof = try await harness.send("GET", "/audit/proof/0", token: GatewayHarness.auditorToken)
            #expect(proof.status == 200)
            let receipt = try InclusionReceipt(text: String(decoding: proof.body, as: UTF8.self))
            #expect(try receipt.verify(with: GatewayHarness.checkpointSigner.verifier).size >= 1)
            #expect(try await harness.send("GET", "/audit/proof/999", token: GatewayHarness.auditorToken).status == 404)

            // Strict parameters: never a wider answer than asked for, never a crash.
            for bad in [
                "/audit/records?limit=0", "/audit/records?limit=-1", "/audit/records?limit=abc",
                "/audit/records?since=yesterday", "/audit/records?colour=blue", "/audit/records?decision=maybe",
                "/audit/proof/9223372036854775807", "/audit/proof/-1", "/audit/proof/abc",
            ] {
                let answer = try await harness.send("GET", bad, token: GatewayHarness.auditorToken)
                #expect(answer.status == 400, "\(bad)")
                #expect(answer.errorCode == "bad_request", "\(bad)")
            }
            // A broken escape, sent as typed (an HTTP client would re-encode it).
            let port = Int(harness.gatewayURL.split(separator: ":").last!)!
            let reply = try await RawHTTP.exchange(
                port: port,
                request: "GET /audit/records?partner=mid%2&decision=refuse HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(GatewayHarness.auditorToken)\r\nConnection: close\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 400"), "got: \(reply.prefix(60))")
            #expect(reply.contains("bad_request"))
            #expect(try await harness.send("GET", "/healthz").status == 200, "still up")
        }
    }

    @Test func consistencyProofsBetweenCheckpointsVerifyAgainstTheOlderOne() async throws {
        try await GatewayHarness.with { harness in
            let verifier = GatewayHarness.checkpointSigner.verifier
            func latest() async throws -> Checkpoint {
                let note = String(decoding: try await harness.send("GET", "/audit/checkpoint", token: GatewayHarness.auditorToken).body, as: UTF8.self)
                return try Checkpoint(text: try #require(verifier.verify(note)))
            }
            _ = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            let older = try await latest()
            for _ in 0..<3 { _ = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder) }
            var newer = try await latest()
            for _ in 0..<50 where newer.size <= older.size + 2 {
                try await Task.sleep(for: .milliseconds(20))
                newer = try await latest()
            }
            #expect(newer.size > older.size + 2, "the writer signs each commit's tree (interval 0)")

            let answer = try await harness.send("GET", "/audit/consistency?from=\(older.size)&to=\(newer.size)", token: GatewayHarness.auditorToken)
            #expect(answer.status == 200)
            let proof = try ConsistencyProof(text: String(decoding: answer.body, as: UTF8.self))
            #expect(try proof.verify(from: older, with: verifier) == newer)
            // Against a forged older checkpoint (another root at that size) the proof fails.
            let forged = Checkpoint(origin: older.origin, size: older.size, root: MerkleTree.emptyRoot)
            #expect(throws: LedgerError.self) { try proof.verify(from: forged, with: verifier) }
            // Without `to`, the latest checkpoint.
            let toLatest = try await harness.send("GET", "/audit/consistency?from=\(older.size)", token: GatewayHarness.auditorToken)
            #expect(try ConsistencyProof(text: String(decoding: toLatest.body, as: UTF8.self)).verify(from: older, with: verifier).size >= newer.size)

            for bad in [
                "/audit/consistency", "/audit/consistency?from=abc", "/audit/consistency?from=-1", "/audit/consistency?from=01",
                "/audit/consistency?from=3&to=2", "/audit/consistency?from=1&to=9223372036854775808", "/audit/consistency?from=1&from=2", "/audit/consistency?from=0",
            ] {
                let refused = try await harness.send("GET", bad, token: GatewayHarness.auditorToken)
                #expect(refused.status == 400, "\(bad)")
                #expect(refused.errorCode == "bad_request", "\(bad)")
            }
            let noSuchCheckpoint = try await harness.send("GET", "/audit/consistency?from=1&to=\(newer.size + 1000)", token: GatewayHarness.auditorToken)
            #expect(noSuchCheckpoint.status == 404)
            #expect(try await harness.send("GET", "/audit/consistency?from=1").status == 401)
        }
    }
}
