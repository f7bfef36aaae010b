import AsyncHTTPClient
import Crypto
import Foundation
import MingateLedger
import MingatePolicy
import NIOCore
import Testing

@testable import MingateGateway

/// The real `mingate` binary as a child process: the sample partners and policies, `midtrans` pointed at a
/// stand-in partner, one caller allowed `midtrans/payment`, a SQLite ledger at a path the test chooses, and a
/// checkpoint key of its own. For the tests that crash it, fill its disk, or read what it leaves behind.
final class GatewayProcess {
    static var binary: String {
        let beside = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("mingate").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return GatewayHarness.repoRoot + "/.build/debug/mingate"
    }

    static func freePort() throws -> Int { try LoopbackPort.free() }

    static let token = "process-test-token"
    let signer = NoteSigner.generate(name: "process.test/ledger")
    let client: Client
    let process = Process()
    /// Where its standard error (the log) goes.
    let logPath: String

    /// What the tests send it (`Sendable`, for their concurrent loops).
    struct Client: Sendable {
        let base: String

        /// Waits up to 10 s for `/healthz`.
        func up() async throws -> Bool {
            for _ in 0..<100 {
                if try await status("/healthz") == 200 { return true }
                try await Task.sleep(for: .milliseconds(100))
            }
            return false
        }

        /// The status of a GET, or nil when the gateway did not answer within a second.
        func status(_ path: String) async throws -> Int? {
            (try? await HTTPClient.shared.execute(HTTPClientRequest(url: base + path), timeout: .seconds(1))).map { Int($0.status.code) }
        }

        /// A charge with a unique order id: the gateway's status and error code (nil on success), or nil when no answer
        /// came within `timeout`.
        func charge(order: String, timeout: TimeAmount = .seconds(2)) async -> (status: Int, code: String?)? {
            var request = HTTPClientRequest(url: base + "/p/midtrans/payment/v2/charge")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(GatewayProcess.token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: #"{"payment_type":"gopay","transaction_details":{"order_id":"\#(order)","gross_amount":1000}}"#))
            guard let response = try? await HTTPClient.shared.execute(request, timeout: timeout),
                let body = try? await response.body.collect(upTo: 1 << 20)
            else { return nil }
            let error = (try? JSONSerialization.jsonObject(with: Data(buffer: body)) as? [String: Any])?["error"] as? [String: Any]
            let code = error?["code"] as? String
            return (Int(response.status.code), response.status.code < 300 ? nil : code)
        }
    }

    /// Writes the configuration into `directory` (which must exist) and starts the gateway; `up()` waits for it.
    init(directory: URL, ledgerPath: String, partnerPort: Int) throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "the mingate binary is built beside the tests")
        let policies = directory.appendingPathComponent("policies")
        try FileManager.default.createDirectory(at: policies, withIntermediateDirectories: true)
        for file in ["gateway.yaml", "categories.yaml"] {
            try FileManager.default.copyItem(atPath: GatewayHarness.repoRoot + "/policies/" + file, toPath: policies.appendingPathComponent(file).path)
        }
        let digest = KeyedDigests.hex(KeyedDigests.tokenDigest(Self.token))
        // The sample partners' hooks name the services they are delivered to: those must be callers too.
        try ("callers:\n  process-test:\n    token_sha256: \(digest)\n    may_use:\n      midtrans: [payment]\n"
            + "  checkout-service:\n    token_sha256: \(String(repeating: "a1", count: 32))\n    hooks_url: http://127.0.0.1:9/hooks\n"
            + "  fulfilment-service:\n    token_sha256: \(String(repeating: "b2", count: 32))\n    hooks_url: http://127.0.0.1:9/hooks\n")
            .write(to: policies.appendingPathComponent("callers.yaml"), atomically: true, encoding: .utf8)
        try signer.privateKeyText.write(to: directory.appendingPathComponent("ledger.key"), atomically: true, encoding: .utf8)
        let port = try Self.freePort()
        client = Client(base: "http://127.0.0.1:\(port)")
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
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["serve", "--config", directory.appendingPathComponent("mingate.yaml").path]
        process.environment = GatewayHarness.environment
        logPath = directory.appendingPathComponent("gateway.log").path
        try #require(FileManager.default.createFile(atPath: logPath, contents: nil), "created \(logPath)")
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }

    /// Starts a stand-in partner (which records what it receives) and a gateway pointed at it, waits until the
    /// gateway answers, runs `body`, and stops the partner, also when `body` throws.
    static func withPartner(
        directory: URL, ledgerPath: String, _ body: (GatewayProcess, StandInPartner) async throws -> Void
    ) async throws {
        let partner = StandInPartner()
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let partnerApp = partner.application(onRunning: { continuation.yield($0) })
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await partnerApp.runService() }
            defer { group.cancelAll() }
            var iterator = ports.makeAsyncIterator()
            let gateway = try GatewayProcess(directory: directory, ledgerPath: ledgerPath, partnerPort: await iterator.next()!)
            try #require(try await gateway.client.up(), "the gateway started")
            try await body(gateway, partner)
        }
    }

    /// The lines it has logged so far.
    var logLines: [Substring] {
        ((try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "").split(separator: "\n")
    }

    /// Polls until the process has ended (Foundation reaps the child itself; `waitUntilExit` needs a run loop).
    func exited() async throws {
        while process.isRunning { try await Task.sleep(for: .milliseconds(20)) }
    }

    /// Every request the partner received has its forward record in the ledger: matched by the keyed digest of
    /// the body.
    static func expectRecorded(_ received: [StandInPartner.Received], in store: SQLiteLedgerStore) throws {
        let key = SymmetricKey(data: Data(GatewayHarness.environment["MINGATE_LEDGER_KEY"]!.utf8))
        let recorded = Set(
            try store.query(LedgerFilter(decision: "forward"), after: .start, limit: 1_000_000).compactMap { $0.document?["body_digest"]?.stringValue })
        for request in received {
            let digest = KeyedDigests.hex(HMAC<SHA256>.authenticationCode(for: request.body, using: key))
            #expect(recorded.contains(String(digest.prefix(32))), "a request reached the partner without a record")
        }
    }
}
