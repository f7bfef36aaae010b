import AsyncHTTPClient
import Foundation
import Logging
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// Independent witnesses: the gateway offers each new checkpoint with a consistency proof, keeps the cosignatures,
/// `audit verify --witness` requires them, and a forked log (another history under the same origin and key) is
/// refused by a witness that saw the first.
@Suite struct WitnessTests {
    /// The cosignatures kept in a ledger, once at least one is at `size` or beyond; fails after 10 s.
    static func cosignatures(_ path: String, reaching size: Int) async throws -> [StoredCosignature] {
        for _ in 0..<200 {
            let stored = try SQLiteLedgerStore(path: path).cosignatures()
            if stored.contains(where: { $0.size >= size }) { return stored }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("no cosignature at size \(size) after 10 s")
        return try SQLiteLedgerStore(path: path).cosignatures()
    }

    /// A harness gateway that offers its checkpoints to `witness` (at `url`), running `body` once the witness has
    /// cosigned a checkpoint with a first forwarded request in it.
    static func witnessedGateway(
        _ witness: TestWitness, at url: String, _ body: (GatewayHarness, [StoredCosignature]) async throws -> Void
    ) async throws {
        let endpoint = try WitnessEndpoint(key: witness.cosigner.verifier.verifierKeyText, url: url)
        try await GatewayHarness.with(configure: {
            $0.witnesses = [endpoint]
            $0.witnessInterval = 0.05
        }) { harness in
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200)
            try await body(harness, try await Self.cosignatures(harness.ledgerPath, reaching: 1))
        }
    }

    @Test func theGatewaysCheckpointsAreCosignedAndAForkIsRefused() async throws {
        let witness = TestWitness(trusting: [GatewayHarness.checkpointSigner.verifier])
        try await witness.serving { url in
            try await Self.witnessedGateway(witness, at: url) { harness, first in
                // More records: the next checkpoint reaches the witness with a consistency proof from the first.
                for _ in 0..<3 { #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200) }
                let size = Int(harness.gateway.ledger.size)
                let later = try await Self.cosignatures(harness.ledgerPath, reaching: max(size, (first.map(\.size).max() ?? 0) + 1))
                #expect(later.count >= 2, "\(later.map(\.size))")
                #expect(witness.refused[422] == nil)
                try await Self.audit(harness.ledgerPath, witness)
            }
        }
    }

    /// What an auditor sees of the gateway's ledger (read while it runs: the harness removes it after).
    static func audit(_ ledgerPath: String, _ witness: TestWitness) async throws {
        // The auditor requires the witness: every kept cosignature verifies over this log's own checkpoints.
        let store = try SQLiteLedgerStore(path: ledgerPath)
        let auditor = LedgerAuditor(verifier: GatewayHarness.checkpointSigner.verifier)
        let witnessed = try auditor.witnessed(store, by: [witness.cosigner.verifier])
        #expect(witnessed.problems.isEmpty, "\(witnessed.problems)")
        #expect(witnessed.size == witness.latest(GatewayHarness.checkpointSigner.name)?.size)
        // A witness that never cosigned this log fails the check, loudly.
        let stranger = Cosigner(name: "witness.test/never")
        let unwitnessed = try auditor.witnessed(store, by: [witness.cosigner.verifier, stranger.verifier])
        #expect(unwitnessed.size == nil)
        #expect(unwitnessed.problems.map(\.message) == ["no checkpoint of this log is cosigned by witness witness.test/never"])

        // The command line: verify --witness passes with the witness, fails with the stranger.
        let keyFile = FileManager.default.temporaryDirectory.appendingPathComponent("witness-\(UUID().uuidString).pub").path
        try GatewayHarness.checkpointSigner.verifier.verifierKeyText.write(toFile: keyFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: keyFile) }
        let verify = ["audit", "verify", "--ledger", "sqlite:\(ledgerPath)", "--key", keyFile, "--witness", witness.cosigner.verifier.verifierKeyText]
        let passed = try PrivacyAnswersTests.mingate(verify)
        #expect(passed.status == 0 && passed.out.contains("witnessed by all 1"), "\(passed.out) \(passed.err)")
        let failed = try PrivacyAnswersTests.mingate(verify + ["--witness", stranger.verifier.verifierKeyText])
        #expect(failed.status != 0 && failed.out.contains("witness.test/never"), "\(failed.out) \(failed.err)")
    }

    @Test func aForkedLogIsRefusedByAWitnessThatSawTheFirst() async throws {
        let witness = TestWitness(trusting: [GatewayHarness.checkpointSigner.verifier])
        try await witness.serving { url in
            try await Self.witnessedGateway(witness, at: url) { _, _ in }
            let auditor = LedgerAuditor(verifier: GatewayHarness.checkpointSigner.verifier)

            // A fork: another log under the same origin and key, with other records. The witness, which cosigned
            // the first history, answers its size (409), then refuses the proof from it (422); nothing is cosigned.
            let forkPath = FileManager.default.temporaryDirectory.appendingPathComponent("fork-\(UUID().uuidString).sqlite").path
            defer { try? FileManager.default.removeItem(atPath: forkPath) }
            let fork = BlockingLedgerLog(store: try SQLiteLedgerStore(path: forkPath))
            let signer = GatewayHarness.checkpointSigner
            let writer = LedgerWriter(log: fork, checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
            try await writer.running { writer in
                for index in 0..<12 {
                    var disclosure = Disclosure(requestID: "forged-\(index)", method: "POST", policyVersion: "v")
                    disclosure.partner = "midtrans"
                    disclosure.reason = "allowed"
                    _ = try await writer.append(disclosure)
                }
            }
            var logger = Logger(label: "test")
            logger.logLevel = .critical
            try await BlockingLedgerLog.using(try SQLiteLedgerStore(path: forkPath)) { log in
                let client = WitnessClient(
                    witnesses: [try WitnessEndpoint(key: witness.cosigner.verifier.verifierKeyText, url: url)], log: log,
                    interval: .milliseconds(10), metrics: GatewayMetrics(), logger: logger)
                let http = HTTPClient(eventLoopGroupProvider: .singleton)
                var known: [Int?] = [nil]
                for _ in 0..<3 { await client.round(http, &known) }
                try await http.shutdown()
            }
            #expect(witness.refused[409] ?? 0 >= 1, "the witness named the size it cosigned")
            #expect(witness.refused[422] ?? 0 >= 1, "the forked history was refused")
            #expect(try SQLiteLedgerStore(path: forkPath).cosignatures().isEmpty)
            let forked = try auditor.witnessed(try SQLiteLedgerStore(path: forkPath), by: [witness.cosigner.verifier])
            #expect(forked.size == nil && !forked.problems.isEmpty)
        }
    }
}
