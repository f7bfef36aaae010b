import ArgumentParser
import Foundation
import Logging
import MingateGateway
import MingateLedger
import ServiceLifecycle

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the gateway.",
        discussion: """
            With --sandbox, stand-in partners run inside the process in place of the real base URLs, missing \
            secrets get stand-in values, a demo caller with the token 'sandbox-demo-token' may use every \
            purpose, a demo auditor has the token 'sandbox-auditor-token', the admin API takes 'sandbox-admin-token' \
            (unless MINGATE_ADMIN_TOKEN is set) and the ledger key is 'sandbox-not-a-secret:env:MINGATE_LEDGER_KEY' \
            (unless MINGATE_LEDGER_KEY is set). Never use --sandbox with real data.
            """)

    @Option(help: "A deployment file (see ops/mingate.example.yaml).") var config: String?
    @Option(help: "Address to listen on (default 127.0.0.1).") var host: String?
    @Option(help: "Port to listen on (default 8080; 0 picks a free one).") var port: Int?
    @Option(help: "Folder of partner files.") var partners: String?
    @Option(help: "Folder of cross-partner policy files.") var policies: String?
    @Option(help: "Ledger location: sqlite:PATH.") var ledger: String?
    @Option(help: "The ledger's checkpoint signing key (PREFIX.key from `mingate ledger keygen`).") var checkpointKey: String?
    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.") var logLevel: String?
    @Option(help: "Log format: text (default) or json (one object per line).") var logFormat: String?
    @Option(help: "Serve /metrics on HOST:PORT instead of the gateway port.") var metricsAddress: String?
    @Flag(help: "Run stand-in partners and a demo caller: a first run with no secrets and no partners.") var sandbox = false

    func run() async throws {
        var configuration = GatewayConfiguration()
        configuration.environment = ProcessInfo.processInfo.environment
        configuration.adminToken = configuration.environment["MINGATE_ADMIN_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
        if let config { try DeploymentFile.load(config).apply(to: &configuration) }
        if let host { configuration.host = host }
        if let port { configuration.port = port }
        if let partners { configuration.partnersDirectory = partners }
        if let policies { configuration.policiesDirectory = policies }
        if let ledger {
            configuration.ledger = ledger
        } else if sandbox && config == nil {
            // The sandbox's own ledger, the one the README and scripts/sandbox name, never a production default.
            configuration.ledger = "sqlite:var/sandbox-ledger.sqlite"
        }
        if let checkpointKey { configuration.checkpointKeyFile = checkpointKey }
        if let logLevel {
            guard let level = Logger.Level(rawValue: logLevel) else { throw CommandFailure("unknown log level '\(logLevel)'") }
            configuration.logLevel = level
        }
        if let logFormat {
            guard let format = GatewayConfiguration.LogFormat(rawValue: logFormat) else {
                throw CommandFailure("unknown log format '\(logFormat)' (text or json)")
            }
            configuration.logFormat = format
        }
        if let metricsAddress {
            guard let address = GatewayConfiguration.ListenAddress(metricsAddress) else {
                throw CommandFailure("--metrics-address is HOST:PORT, not '\(metricsAddress)'")
            }
            configuration.metricsListen = address
        }
        let level = configuration.logLevel
        switch configuration.logFormat {
        case .text:
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = level
                return handler
            }
        case .json:
            LoggingSystem.bootstrap { label in
                var handler = JSONLogHandler(label: label)
                handler.logLevel = level
                return handler
            }
        }
        let logger = Logger(label: "mingate")

        if sandbox {
            try await runSandbox(configuration, logger: logger)
        } else {
            try await runGateway(configuration, logger: logger)
        }
    }

    func runGateway(_ base: GatewayConfiguration, logger: Logger, extra: [any Service] = []) async throws {
        var configuration = base
        Self.fitConnectionCap(&configuration, logger: logger)
        let host = configuration.host
        let gateway: Gateway
        do {
            let metricsHost = configuration.metricsListen?.host ?? host
            gateway = try Gateway.build(
                configuration, logger: logger,
                onServerRunning: { port in logger.notice("listening", metadata: ["server.address": "\(host):\(port)"]) },
                onMetricsRunning: { port in logger.notice("metrics listening", metadata: ["metrics.address": "\(metricsHost):\(port)"]) })
        } catch {
            throw CommandFailure(error.description)
        }
        let policy = gateway.policy.current.policy
        logger.notice(
            "starting",
            metadata: [
                "ledger.url": "\((try? LedgerURL(configuration.ledger))?.description ?? configuration.ledger)",
                "ledger.checkpoint_key": "\(configuration.checkpointKeyFile ?? "none")",
                "ledger.origin": "\(gateway.checkpointOrigin ?? "none (checkpoints unsigned)")",
                "ledger.key_fingerprint": "\(gateway.policy.current.ledgerKeyFingerprint)",
                "policy.callers": "\(policy.callers.map(\.id).sorted().joined(separator: ","))",
                "policy.version": "\(policy.version)",
                "policy.partners": "\(policy.partners.keys.sorted().joined(separator: ","))",
                "server.max_connections": "\(configuration.connections.maxConnections)",
            ])
        let group = ServiceGroup(
            configuration: .init(
                services: extra.map { .init(service: $0) } + gateway.services.map { .init(service: $0) },
                gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    /// Raises the open-file limit to its hard limit and keeps the connection cap under it (with room for the
    /// ledger, partner connections and the listening socket), so the cap, not `accept` failing, is what a flood meets.
    static func fitConnectionCap(_ configuration: inout GatewayConfiguration, logger: Logger) {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return }
        if limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
            _ = getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        let room = Int(min(limit.rlim_cur, 1 << 30)) - 512
        if configuration.connections.maxConnections > room {
            logger.warning(
                "connection cap lowered to fit the open-file limit (raise LimitNOFILE to allow more)",
                metadata: [
                    "server.max_connections": "\(max(room, 16))", "server.configured": "\(configuration.connections.maxConnections)",
                ])
            configuration.connections.maxConnections = max(room, 16)
        }
    }

    /// Runs one stand-in partner on a free port, in the same service group as the gateway (it stops after the
    /// gateway has drained), points every partner at it, adds the demo caller and auditor.
    func runSandbox(_ base: GatewayConfiguration, logger: Logger) async throws {
        let standIn = StandInPartner()
        let port = try LoopbackPort.free()
        var configuration = base
        configuration.sandboxPartnerURL = "http://127.0.0.1:\(port)"
        configuration.sandboxSecrets = true
        if configuration.checkpointKeyFile == nil {
            // A key of the sandbox's own, made once, so the sandbox ledger can be verified like a real one.
            let prefix = "var/sandbox-ledger"
            if !FileManager.default.fileExists(atPath: prefix + ".key") {
                try KeyFiles.write(MingateLedger.NoteSigner.generate(name: "sandbox.mingate.local/ledger"), prefix: prefix)
            }
            configuration.checkpointKeyFile = prefix + ".key"
        }
        configuration.extraCallers.append(.init(id: "sandbox-demo", token: "sandbox-demo-token"))
        configuration.extraAuditors.append(.init(id: "sandbox-auditor", token: "sandbox-auditor-token"))
        // The admin API on, with a public token, unless the environment names one.
        if configuration.adminToken == nil { configuration.adminToken = "sandbox-admin-token" }
        let ledgerKey = configuration.environment["MINGATE_LEDGER_KEY"].flatMap { $0.isEmpty ? nil : $0 }
        logger.warning(
            "SANDBOX: stand-in partners and secrets. Not for real data.",
            metadata: [
                "sandbox.partner": "http://127.0.0.1:\(port)",
                "sandbox.caller_token": "sandbox-demo-token", "sandbox.auditor_token": "sandbox-auditor-token",
                "sandbox.admin_token": "\(configuration.adminToken == "sandbox-admin-token" ? "sandbox-admin-token" : "(from MINGATE_ADMIN_TOKEN)")",
                "sandbox.ledger_key": "\(ledgerKey == nil ? "sandbox-not-a-secret:env:MINGATE_LEDGER_KEY" : "(from MINGATE_LEDGER_KEY)")",
            ])
        try await runGateway(configuration, logger: logger, extra: [standIn.application(port: port)])
    }
}

