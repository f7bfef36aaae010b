import AsyncHTTPClient
import Crypto
import Foundation
import MingateLedger
import MingatePolicy
import NIOCore
import Testing

@testable import MingateGateway

/// The real `mingate` binary, killed with SIGKILL in the middle of concurrent requests.
@Suite struct CrashTests {
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mingate").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return GatewayHarness.repoRoot + "/.build/debug/mingate"
    }

    static func freePort() throws -> Int { try LoopbackPort.free() }

    @Test func sigkillDuringConcurrentAppendsLeavesAVerifiableCompleteLedger() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "the mingate binary is built beside the tests")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-crash-\(UUID().uuidString)")
        let policies = directory.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        for file in ["gateway.yaml", "categories.yaml"] {
            try FileManager.default.copyItem(atPath: GatewayHarness.repoRoot + "/policies/" + file, toPath: policies.appendingPathComponent(file).path)
        }
        let token = "crash-test-token"
        let digest = SHA256.hash(data: Data(token.utf8)).map { String(format: "%02x", $0) }.joined()
        // The sample partners' hooks name the services they are delivered to: those must be callers too.
        try ("callers:\n  crash-test:\n    token_sha256: \(digest)\n    may_use:\n      midtrans: [payment]\n"
            + "  checkout-service:\n    token_sha256: \(String(repeating: "a1", count: 32))\n    hooks_url: http://127.0.0.1:9/hooks\n"
            + "  fulfilment-service:\n    token_sha256: \(String(repeating: "b2", count: 32))\n    hooks_url: http://127.0.0.1:9/hooks\n")
            .write(to: policies.appendingPathComponent("callers.yaml"), atomically: true, encoding: .utf8)
        let signer = NoteSigner.generate(name: "crash.test/ledger")
        try signer.privateKeyText.write(to: directory.appendingPathComponent("ledger.key"), atomically: true, encoding: .utf8)
        let ledgerPath = directory.appendingPathComponent("ledger.sqlite").path

        let partner = StandInPartner()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let partnerApp = partner.application(onRunning: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await partnerApp.runService() }
            var iterator = ports.makeAsyncIterator()
            let partnerPort = await iterator.next()!
            let port = try Self.freePort()
            try """
                listen: { host: 127.0.0.1, port: \(port) }
                partners: \(GatewayHarness.repoRoot)/partners
                policies: \(policies.path)
                ledger: sqlite:\(ledgerPath)
                checkpoint_key: \(directory.appendingPathComponent("ledger.key").path)
                checkpoint_interval_seconds: 0.05
                base_urls: { midtrans: "http://127.0.0.1:\(partnerPort)" }
                log_level: error
                """.write(to: directory.appendingPathComponent("mingate.yaml"), atomically: true, encoding: .utf8)

            let process = Process()
            process.executableURL = URL(fileURLWithPath: Self.binary)
            process.arguments = ["serve", "--config", directory.appendingPathComponent("mingate.yaml").path]
            process.environment = GatewayHarness.environment
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }

            let client = HTTPClient.shared
            let base = "http://127.0.0.1:\(port)"
            var up = false
            for _ in 0..<100 {
                if (try? await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(1)))?.status == .ok {
                    up = true
                    break
                }
                try await Task.sleep(for: .milliseconds(100))
            }
            try #require(up, "the gateway started")

            // 32 loops of requests with unique order numbers; SIGKILL after 1.5 s, while they run.
            let stop = ContinuousClock.now + .seconds(3)
            try await withThrowingTaskGroup(of: Void.self) { load in
                for worker in 0..<32 {
                    load.addTask {
                        var index = 0
                        while ContinuousClock.now < stop {
                            var request = HTTPClientRequest(url: base + "/p/midtrans/payment/v2/charge")
                            request.method = .POST
                            request.headers.add(name: "Authorization", value: "Bearer \(token)")
                            request.headers.add(name: "Content-Type", value: "application/json")
                            request.body = .bytes(ByteBuffer(string: #"{"payment_type":"gopay","transaction_details":{"order_id":"ORD-\#(worker)-\#(index)","gross_amount":1000}}"#))
                            _ = try? await client.execute(request, timeout: .seconds(2))
                            index += 1
                        }
                    }
                }
                load.addTask {
                    try await Task.sleep(for: .milliseconds(1500))
                    kill(process.processIdentifier, SIGKILL)
                }
                try await load.waitForAll()
            }
            // Foundation reaps the child itself; poll rather than waitUntilExit (which needs a run loop).
            while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGKILL, "the gateway died of SIGKILL")

            // The ledger verifies: every stored record matches its hash, every checkpoint its records.
            let store = try SQLiteLedgerStore(path: ledgerPath)
            let report = try LedgerAuditor(verifier: signer.verifier).verify(store)
            #expect(report.isValid, "\(report.problems)")
            #expect(report.checkpoints > 0)

            // Every request the partner received has its forward record: matched by the keyed digest of the body.
            let received = partner.received
            #expect(received.count > 20, "load reached the partner before the kill")
            let key = SymmetricKey(data: Data(GatewayHarness.environment["MINGATE_LEDGER_KEY"]!.utf8))
            let recorded = Set(
                try store.query(LedgerFilter(decision: "forward"), after: .start, limit: 1_000_000).compactMap { $0.document?["body_digest"]?.stringValue })
            for request in received {
                let digest = HMAC<SHA256>.authenticationCode(for: request.body, using: key).map { String(format: "%02x", $0) }.joined()
                #expect(recorded.contains(String(digest.prefix(32))), "a request reached the partner without a record")
            }

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
            group.cancelAll()
        }
    }
}
