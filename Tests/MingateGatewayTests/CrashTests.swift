import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// The real `mingate` binary, killed with SIGKILL in the middle of concurrent requests.
@Suite struct CrashTests {
    @Test func sigkillDuringConcurrentAppendsLeavesAVerifiableCompleteLedger() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-crash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let ledgerPath = directory.appendingPathComponent("ledger.sqlite").path

        try await GatewayProcess.withPartner(directory: directory, ledgerPath: ledgerPath) { gateway, partner in
            let signer = gateway.signer
            let client = gateway.client
            let pid = gateway.process.processIdentifier

            // 32 loops of requests with unique order numbers; SIGKILL after 1.5 s, while they run.
            let stop = ContinuousClock.now + .seconds(3)
            try await withThrowingTaskGroup(of: Void.self) { load in
                for worker in 0..<32 {
                    load.addTask {
                        var index = 0
                        while ContinuousClock.now < stop {
                            _ = await client.charge(order: "ORD-\(worker)-\(index)")
                            index += 1
                        }
                    }
                }
                load.addTask {
                    try await Task.sleep(for: .milliseconds(1500))
                    kill(pid, SIGKILL)
                }
                try await load.waitForAll()
            }
            try await gateway.exited()
            #expect(gateway.process.terminationReason == .uncaughtSignal && gateway.process.terminationStatus == SIGKILL, "the gateway died of SIGKILL")

            // The ledger verifies: every stored record matches its hash, every checkpoint its records.
            let store = try SQLiteLedgerStore(path: ledgerPath)
            let report = try LedgerAuditor(verifier: signer.verifier).verify(store)
            #expect(report.isValid, "\(report.problems)")
            #expect(report.checkpoints > 0)

            // Every request the partner received has its forward record.
            let received = partner.received
            #expect(received.count > 20, "load reached the partner before the kill")
            try GatewayProcess.expectRecorded(received, in: store)

            // A restarted writer continues the same log: no gap, no duplicate.
            let before = try store.size()
            let writer = LedgerWriter(store: try SQLiteLedgerStore(path: ledgerPath), checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
            var probe = Disclosure(requestID: "after-crash", method: "GET", policyVersion: "v")
            probe.reason = "test"
            let sequence = try await writer.running { [probe] in try await $0.append(probe).sequence }
            #expect(sequence == before + 1, "right after the shape it wrote")
            let after = try LedgerAuditor(verifier: signer.verifier).verify(try SQLiteLedgerStore(path: ledgerPath))
            #expect(after.isValid, "\(after.problems)")
            #expect(after.verifiedSize == Int(before) + 2)
        }
    }
}
