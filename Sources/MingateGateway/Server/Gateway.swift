import Foundation
import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import ServiceLifecycle

/// A gateway ready to run: the policy loaded, the ledger writer, the partner clients and the server set up.
/// Run `services` in one `ServiceGroup`; they shut down in reverse order, so the server drains its requests first,
/// then the reloader and the partner clients stop, the anonymous-refusal counts are written, and the ledger writer
/// flushes last.
public struct Gateway: Sendable {
    public let policy: PolicyHolder
    public let ledger: LedgerWriter
    public let clients: PartnerClients
    public let reloader: PolicyReloader
    public let connections: ConnectionCounter
    public let unidentified: UnidentifiedRefusals
    public let metrics: GatewayMetrics
    /// The checkpoint origin (the signed note's name), nil when checkpoints are not signed.
    public let checkpointOrigin: String?
    public let services: [any Service]

    /// Builds everything or fails with a clear message: invalid policy, missing secret, unusable ledger location.
    /// A PostgreSQL ledger that is down is not a reason to refuse to start: the gateway answers 503 until it is back.
    public static func build(
        _ configuration: GatewayConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in },
        onMetricsRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(GatewayError) -> Gateway {
        let loaded = try LoadedPolicy.load(configuration)
        let metrics = GatewayMetrics()
        metrics.policyInForce(loaded.policy.version)
        for warning in loaded.policy.warnings {
            logger.warning("policy warning", metadata: ["policy.problem": "\(warning)"])
        }
        let url: LedgerURL
        do {
            url = try LedgerURL(configuration.ledger)
        } catch {
            throw GatewayError(.ledger, error.description)
        }
        if !url.isDurable {
            logger.critical("the ledger is NOT durable (sync=off): for benchmarks only, never with real data")
        }
        // The ledger as the running gateway uses it: SQLite on threads of its own, PostgreSQL through a pooled
        // async client (a service of the group, started before the writer and stopped after it).
        let log: any LedgerLog
        let consents: any ConsentLog
        var storeServices: [any Service] = []
        // The ledger key must be the one the ledger was first written with (`LedgerKeyGuard`).
        var keyGuard: LedgerKeyGuard?
        let checkpointing = try checkpointing(configuration, logger: logger)
        switch url {
        case .sqlite(let path, let durable):
            // A file that cannot be opened or created, or whose checkpoints another key's origin signed, is a
            // configuration error: say so now. (A PostgreSQL log may be down at start: its writer finds a key of
            // another origin when it first reaches the database, and ends, and the gateway with it.)
            do throws(LedgerError) {
                let latest = try url.open().latestCheckpoint()
                if let checkpointing, let mismatch = latest?.originMismatch(signing: checkpointing.origin) { throw mismatch }
            } catch {
                throw GatewayError(.ledger, error.description)
            }
            try LedgerKeyGuard.check({ () throws(LedgerError) in try url.openConsents() }, fingerprint: loaded.ledgerKeyFingerprint)
            log = BlockingLedgerLog(opening: { () throws(LedgerError) in try url.open() }, readers: { try url.open() })
            consents = BlockingConsentLog { try SQLiteConsentStore(path: path, durable: durable) }
        case .postgres(let location):
            let postgres = PostgresLedger(location: location, logger: logger)
            log = postgres
            consents = PostgresConsentLog(ledger: postgres, logger: logger)
            let guarding = LedgerKeyGuard(
                fingerprint: loaded.ledgerKeyFingerprint, consents: consents, patience: configuration.ledgerCommitTimeout,
                logger: logger)
            keyGuard = guarding
            storeServices += [postgres, guarding]
        }
        let enforcer = loaded.enforcer
        let ledger = LedgerWriter(
            log: log, checkpointing: checkpointing, commitTimeout: configuration.ledgerCommitTimeout, logger: logger,
            instruments: LedgerInstruments(factory: metrics.factory),
            importing: { log throws(LedgerError) in
                try await LegacyImport.drafts(try await consents.legacyRecords(), in: log, evidence: enforcer.evidence)
            })
        let subjects = SubjectLedger(writer: ledger, log: log)
        let clients = try PartnerClients(partners: Array(loaded.policy.partners.values))
        let holder = PolicyHolder(loaded)
        let reloader = PolicyReloader(configuration: configuration, holder: holder, clients: clients, metrics: metrics, logger: logger)
        let pipeline = DisclosurePipeline(
            ledger: ledger, clients: clients, maxResponseBytes: configuration.maxResponseBytes, metrics: metrics)
        let unidentified = UnidentifiedRefusals(ledger: ledger, window: configuration.unidentifiedWindow)
        let erasure = ErasureService(policy: holder, pipeline: pipeline, records: subjects, ledger: log, logger: logger)

        let counter = ConnectionCounter()
        let router = Router(context: GatewayRequestContext.self)
        router.add(middleware: ErrorBodyMiddleware())
        let operations = OperatorRoutes(ledger: ledger, connections: counter, metrics: metrics, keyGuard: keyGuard)
        operations.add(to: router, metrics: configuration.metricsListen == nil)

        let partnerCall = PartnerCall(policy: holder, subjects: subjects, pipeline: pipeline)
        let calls = router.group("p").add(
            middleware: BearerAuthenticator<Caller>(
                audience: "caller",
                candidates: { holder.current.policy.callers }, digest: { $0.tokenDigest },
                assign: { $0.caller = $1 },
                onRefused: { refusal, request, context in
                    let enforcer = holder.current.enforcer
                    let partner = (try? PartnerPath.parse(request.head.path ?? "")).flatMap { enforcer.policy.partners[$0.partner]?.id }
                    unidentified.count(
                        reason: refusal.code.rawValue, source: enforcer.sourceKey(for: context.remoteAddress), partner: partner)
                    metrics.refused(reason: refusal.code.rawValue, partner: partner ?? "-")
                }))
        if let keyGuard { calls.add(middleware: keyGuard) }
        for method in [HTTPRequest.Method.get, .post, .put, .patch, .delete, .head, .options] {
            calls.on("**", method: method) { request, context in try await partnerCall.respond(request, context: context) }
        }

        // Partners' hooks: no bearer token, the partner's own signature proves the sender (`PartnerHook`).
        let partnerHook = PartnerHook(
            policy: holder, pipeline: pipeline, replays: ReplayGuard(), unidentified: unidentified, now: { Date() })
        let hooks = router.group("w")
        if let keyGuard { hooks.add(middleware: keyGuard) }
        hooks.on("**", method: .post) { request, context in try await partnerHook.respond(request, context: context) }

        let audit = router.group("audit").add(
            middleware: BearerAuthenticator<Auditor>(
                audience: "auditor",
                candidates: { holder.current.policy.auditors }, digest: { $0.tokenDigest },
                assign: { $0.auditor = $1 }))
        // A person's report hashes their id with the ledger key: on a wrong key it would be empty, so wait for the check.
        if let keyGuard { audit.add(middleware: keyGuard) }
        AuditRoutes(ledger: log, writer: ledger, policy: holder, subjects: subjects).add(to: audit)
        ConsoleRoutes().add(to: router)

        let adminDigest = configuration.adminToken.map { KeyedDigests.tokenDigest($0) }
        let admin = router.group("admin").add(
            middleware: BearerAuthenticator<[UInt8]>(
                audience: "admin", candidates: { adminDigest.map { [$0] } }, digest: { $0 }, assign: { _, _ in }))
        if let keyGuard { admin.add(middleware: keyGuard) }
        AdminRoutes(reloader: reloader, ledger: ledger, policy: holder, subjects: subjects, erasure: erasure).add(to: admin)

        var metricsServices: [any Service] = []
        if let listen = configuration.metricsListen {
            // Metrics on an address of their own, so they need not be exposed with the gateway port.
            let metricsRouter = Router(context: GatewayRequestContext.self)
            metricsRouter.add(middleware: ErrorBodyMiddleware())
            operations.addMetrics(to: metricsRouter)
            metricsServices.append(
                Application(
                    router: metricsRouter,
                    configuration: .init(address: .hostname(listen.host, port: listen.port), serverName: nil),
                    onServerRunning: { channel in await onMetricsRunning(channel.localAddress?.port ?? 0) },
                    logger: logger))
        }
        let application = Application(
            router: router,
            server: GuardedHTTP1Channel.builder(
                limits: configuration.connections, counter: counter, logger: logger,
                onMalformed: { refusal, address in
                    unidentified.count(
                        reason: refusal.code.rawValue, source: holder.current.enforcer.sourceKey(for: address), partner: nil)
                    metrics.refused(reason: refusal.code.rawValue, partner: "-")
                }),
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        var witnessing: [any Service] = []
        if !configuration.witnesses.isEmpty {
            guard checkpointing != nil else {
                throw GatewayError(.ledger, "witnesses cosign signed checkpoints: give the gateway a checkpoint key (--checkpoint-key)")
            }
            witnessing.append(
                WitnessClient(
                    witnesses: configuration.witnesses, log: log, interval: .milliseconds(Int64(configuration.witnessInterval * 1000)),
                    metrics: metrics, logger: logger))
        }
        return Gateway(
            policy: holder, ledger: ledger, clients: clients, reloader: reloader, connections: counter,
            unidentified: unidentified, metrics: metrics, checkpointOrigin: checkpointing?.origin,
            services: storeServices + [ledger, unidentified, clients, reloader] + witnessing + metricsServices + [application])
    }

    static func checkpointing(_ configuration: GatewayConfiguration, logger: Logger) throws(GatewayError)
        -> LedgerWriter.Checkpointing?
    {
        guard let keyFile = configuration.checkpointKeyFile else {
            logger.warning("no checkpoint key (--checkpoint-key): the ledger is durable but its checkpoints are not signed")
            return nil
        }
        guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
            throw GatewayError(.ledger, "cannot read the checkpoint key '\(keyFile)'")
        }
        do {
            let signer = try NoteSigner(privateKey: text)
            return .init(signer: signer, origin: signer.name, interval: configuration.checkpointInterval)
        } catch {
            throw GatewayError(.ledger, "\(keyFile): \(error.message)")
        }
    }
}
