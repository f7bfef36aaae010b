import Foundation
import Logging
import ServiceLifecycle
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// Issue 12: every tool that could give a confident wrong answer refuses instead, with a clear error. The command
/// line cases run the real `mingate` binary against a ledger a real gateway wrote.
@Suite struct PrivacyAnswersTests {
    struct Run {
        let status: Int32
        let out: String
        let err: String
    }

    static func mingate(
        _ arguments: [String], key: String? = GatewayHarness.environment["MINGATE_LEDGER_KEY"],
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) throws -> Run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: GatewayProcess.binary)
        process.arguments = arguments
        var environment = environment
        environment["MINGATE_LEDGER_KEY"] = key
        process.environment = environment
        process.currentDirectoryURL = URL(fileURLWithPath: GatewayHarness.repoRoot)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Run(
            status: process.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errData, as: UTF8.self))
    }

    /// `mingate` run on a thread of its own, for commands that call back into the gateway this test process runs.
    static func mingateBeside(_ arguments: [String]) async throws -> Run {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                var environment = ProcessInfo.processInfo.environment
                environment["MINGATE_ADMIN_TOKEN"] = GatewayHarness.adminToken
                continuation.resume(with: Result { try Self.mingate(arguments, environment: environment) })
            }
        }
    }

    @Test func theCommandLineRefusesWhatWouldGiveAWrongAnswer() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: GatewayProcess.binary), "the mingate binary is built beside the tests")
        try await GatewayHarness.with { harness in
            #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200)
            try await harness.consent("granted", partner: "verihubs", purpose: "identity-verification")
            let ledger = "sqlite:\(harness.ledgerPath)"
            let folders = ["--partners", harness.partnersDirectory, "--policies", GatewayHarness.repoRoot + "/policies"]
            let subject = GatewayHarness.subject

            // The right key: a report that names Midtrans, in Indonesian by default.
            let right = try Self.mingate(["subject", "report", subject, "--ledger", ledger, "--reference", "DSR-1"] + folders)
            #expect(right.status == 0, "\(right.err)")
            #expect(right.out.contains("Laporan akses data pribadi") && right.out.contains("Midtrans") && right.out.contains("DSR-1"))
            let english = try Self.mingate(["subject", "report", subject, "--ledger", ledger, "--language", "en"] + folders)
            #expect(english.out.contains("Personal data access report"))

            // A wrong key of the right length: refused by every command that computes subject keys, never an empty
            // "your data was not shared" report.
            let wrong = "another-ledger-key-that-is-long-enough-0123456789"
            for command in [
                ["subject", "report", subject, "--ledger", ledger] + folders,
                ["audit", "subject", subject, "--ledger", ledger],
                ["consent", "show", "--subject", subject, "--ledger", ledger],
            ] {
                let run = try Self.mingate(command, key: wrong)
                #expect(run.status != 0, "\(command[0]) \(command[1]) with a wrong key")
                #expect(run.err.contains("ledger_key_mismatch"), "\(run.err)")
                #expect(!run.out.contains("not been shared") && !run.out.contains("belum pernah"))
            }
            let short = try Self.mingate(["audit", "subject", subject, "--ledger", ledger], key: "ab")
            #expect(short.status != 0 && short.err.contains("at least 32"), "\(short.err)")

            // A ledger path that does not exist is not created.
            let missing = harness.ledgerPath + "-typo.sqlite"
            let showMissing = try Self.mingate(["consent", "show", "--ledger", "sqlite:\(missing)", "--subject", subject])
            #expect(showMissing.status != 0 && showMissing.err.contains("no_ledger"), "\(showMissing.err)")
            #expect(!FileManager.default.fileExists(atPath: missing))

            // Consents are recorded by the running gateway (an entry of its ledger), checked against its policy:
            // misspelt partner and purpose, a consent for a purpose that does not rest on consent, no evidence.
            func grant(_ partner: String, _ purpose: String, evidence: [String] = ["--evidence", "screen-1"]) async throws -> Run {
                try await Self.mingateBeside(
                    ["consent", "grant", "--gateway", harness.gatewayURL, "--subject", subject, "--partner", partner,
                     "--purpose", purpose] + evidence)
            }
            let misspelt = try await grant("verihub", "identity-verification")
            #expect(misspelt.status != 0 && misspelt.err.contains("unknown_partner") && misspelt.err.contains("did you mean 'verihubs'"), "\(misspelt.err)")
            let purpose = try await grant("verihubs", "identity-verfication")
            #expect(purpose.status != 0 && purpose.err.contains("unknown_purpose"), "\(purpose.err)")
            let contract = try await grant("midtrans", "payment")
            #expect(contract.status != 0 && contract.err.contains("not consent"), "\(contract.err)")
            let noEvidence = try await grant("verihubs", "identity-verification", evidence: [])
            #expect(noEvidence.status != 0 && noEvidence.err.contains("evidence"), "\(noEvidence.err)")
            let granted = try await grant("verihubs", "identity-verification")
            #expect(granted.status == 0 && granted.out.contains("granted"), "\(granted.err)")
            let personal = try await grant("verihubs", "identity-verification", evidence: ["--evidence", "budi@example.com"])
            #expect(personal.status == 0 && personal.out.contains("evidence kept as hmac-sha256:"), "\(personal.out) \(personal.err)")
            let shown = try Self.mingate(["consent", "show", "--subject", subject, "--ledger", ledger])
            #expect(shown.out.contains("evidence: screen-1") && shown.out.contains("evidence: hmac-sha256:"), "\(shown.out)")
            #expect(!shown.out.contains("budi@example.com"))

            // An audit search by a name the policy does not know.
            let query = try Self.mingate(["audit", "query", "--ledger", ledger, "--partner", "midtranz"] + folders)
            #expect(query.status != 0 && query.err.contains("unknown_partner"), "\(query.err)")
        }
    }

    @Test func theHTTPAPIChecksNamesAndEvidenceInTheSamePlace() async throws {
        try await GatewayHarness.with { harness in
            func consent(_ body: String) async throws -> GatewayHarness.Answer {
                try await harness.send(
                    "POST", "/admin/consents", token: GatewayHarness.adminToken, headers: [("Content-Type", "application/json")],
                    body: Array(body.utf8))
            }
            #expect(try await consent(#"{"subject":"s","partner":"verihub","purpose":"identity-verification","state":"granted","evidence":"e"}"#).errorCode == "unknown_partner")
            #expect(try await consent(#"{"subject":"s","partner":"verihubs","purpose":"identity-verfication","state":"granted","evidence":"e"}"#).errorCode == "unknown_purpose")
            #expect(try await consent(#"{"subject":"s","partner":"verihubs","purpose":"identity-verification","state":"granted"}"#).errorCode == "bad_consent")
            #expect(try await consent(#"{"subject":"s","partner":"midtrans","purpose":"payment","state":"granted","evidence":"e"}"#).errorCode == "bad_consent")
            let records = try await harness.send("GET", "/audit/records?partner=midtranz", token: GatewayHarness.auditorToken)
            #expect(records.errorCode == "unknown_partner")
        }
    }

    @Test func aSubjectIsRequiredByWhatTheRequestCanDisclose() async throws {
        try await GatewayHarness.with { harness in
            // Biteship's delivery purpose sends a consignee's name and address in a POST body; its GET sends only an
            // order id in the path, so it needs no subject.
            let get = try await harness.send("GET", "/p/biteship/delivery/v1/orders/ORD-1", token: GatewayHarness.fulfilmentToken, subject: nil)
            #expect(get.status == 200, "\(String(decoding: get.body, as: UTF8.self))")
            let post = try await harness.postJSON(
                "/p/biteship/delivery/v1/orders", #"{"destination_contact_name":"Siti"}"#, token: GatewayHarness.fulfilmentToken, subject: nil)
            #expect(post.errorCode == "subject_required")
        }
    }

    /// Runs a built gateway's services and stops them at once, so its partner clients are shut down.
    static func startAndStop(_ gateway: Gateway, logger: Logger) async throws {
        let group = ServiceGroup(configuration: .init(services: gateway.services.map { .init(service: $0) }, logger: logger))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            try await Task.sleep(for: .milliseconds(100))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }

    @Test func aCheckpointKeyOfAnotherOriginDoesNotStart() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-origin-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("ledger.sqlite").path
        // A ledger whose checkpoints gw-1's key signed.
        let first = NoteSigner.generate(name: "test.mingate/gw-1")
        var disclosure = Disclosure(requestID: "r", method: "GET", policyVersion: "v")
        disclosure.reason = "test"
        let writer = LedgerWriter(store: try SQLiteLedgerStore(path: path), checkpointing: .init(signer: first, origin: first.name, interval: 0))
        try await writer.running { [disclosure] in _ = try await $0.append(disclosure) }

        var configuration = GatewayConfiguration()
        configuration.partnersDirectory = GatewayHarness.repoRoot + "/partners"
        configuration.policiesDirectory = GatewayHarness.repoRoot + "/policies"
        configuration.ledger = "sqlite:" + path
        configuration.environment = GatewayHarness.environment
        let keyFile = directory.appendingPathComponent("gw-2.key").path
        try NoteSigner.generate(name: "test.mingate/gw-2").privateKeyText.write(toFile: keyFile, atomically: true, encoding: .utf8)
        configuration.checkpointKeyFile = keyFile
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        do {
            _ = try Gateway.build(configuration, logger: logger)
            Issue.record("a gateway started with a checkpoint key of another origin")
        } catch {
            #expect("\(error)".contains("this log's checkpoints are for test.mingate/gw-1"), "\(error)")
        }
        #expect(try SQLiteLedgerStore(path: path).size() == 2, "nothing was written after the first gateway's shape and decision")
    }

    @Test func keysAreCheckedAtStart() async throws {
        var logger = Logger(label: "test")
        logger.logLevel = .critical
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-keys-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var configuration = GatewayConfiguration()
        configuration.partnersDirectory = GatewayHarness.repoRoot + "/partners"
        configuration.policiesDirectory = GatewayHarness.repoRoot + "/policies"
        configuration.ledger = "sqlite:" + directory.appendingPathComponent("ledger.sqlite").path
        configuration.environment = GatewayHarness.environment
        configuration.port = 0

        // A two-character key is refused.
        var short = configuration
        short.environment["MINGATE_LEDGER_KEY"] = "ab"
        #expect(throws: GatewayError(.secrets, "")) { try Gateway.build(short, logger: logger) }

        // The first start records the key's fingerprint; a start with another key is refused.
        for _ in 0..<2 { try await Self.startAndStop(try Gateway.build(configuration, logger: logger), logger: logger) }
        var other = configuration
        other.environment["MINGATE_LEDGER_KEY"] = "another-ledger-key-that-is-long-enough-0123456789"
        do {
            try await Self.startAndStop(try Gateway.build(other, logger: logger), logger: logger)
            Issue.record("a gateway started with another ledger key")
        } catch {
            #expect("\(error)".contains("does not match"))
        }
        let recorded = try LedgerURL(configuration.ledger).openConsents().keyFingerprint()
        #expect(recorded?.hasPrefix("hmac-sha256:") == true)
        #expect(!(recorded ?? "").contains(GatewayHarness.environment["MINGATE_LEDGER_KEY"]!))
    }
}
