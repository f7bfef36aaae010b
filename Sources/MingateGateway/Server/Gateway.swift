import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import ServiceLifecycle

/// A gateway ready to run: the policy loaded, the ledger open, the partner clients built, the server set up.
/// Run `services` in one `ServiceGroup`; they shut down in reverse order, so the server drains its requests
/// before the clients close and the ledger writer flushes last.
public struct Gateway: Sendable {
    public let policy: PolicyHolder
    public let ledger: LedgerWriter
    public let clients: PartnerClients
    public let reloader: PolicyReloader
    public let services: [any Service]

    /// Builds everything or fails with a clear message: invalid policy, missing secret, unusable ledger.
    public static func build(
        _ configuration: GatewayConfiguration, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws(GatewayError) -> Gateway {
        let loaded = try LoadedPolicy.load(configuration)
        for warning in loaded.policy.warnings {
            logger.warning("policy warning", metadata: ["policy.problem": "\(warning)"])
        }
        let store: any LedgerStore
        do {
            let url = try LedgerURL(configuration.ledger)
            if !url.isDurable {
                logger.critical("the ledger is NOT durable (sync=off): for benchmarks only, never with real data")
            }
            store = try url.open()
        } catch {
            throw GatewayError(.ledger, error.description)
        }
        var checkpointing: LedgerWriter.Checkpointing?
        if let keyFile = configuration.checkpointKeyFile {
            guard let text = try? String(contentsOfFile: keyFile, encoding: .utf8) else {
                throw GatewayError(.ledger, "cannot read the checkpoint key '\(keyFile)'")
            }
            do {
                let signer = try NoteSigner(privateKey: text)
                checkpointing = .init(signer: signer, origin: signer.name, interval: configuration.checkpointInterval)
            } catch {
                throw GatewayError(.ledger, "\(keyFile): \(error.message)")
            }
        } else {
            logger.warning("no checkpoint key (--checkpoint-key): the ledger is durable but its checkpoints are not signed")
        }
        let ledger: LedgerWriter
        do {
            ledger = try LedgerWriter(store: store, checkpointing: checkpointing, logger: logger)
        } catch {
            throw GatewayError(.ledger, error.description)
        }
        let clients = try PartnerClients(partners: Array(loaded.policy.partners.values))
        let holder = PolicyHolder(loaded)
        let consents = ConsentChecker(ledgerURL: configuration.ledger)
        let reloader = PolicyReloader(configuration: configuration, holder: holder, clients: clients, logger: logger)
        let responder = GatewayResponder(
            policy: holder, ledger: ledger, clients: clients, maxResponseBytes: configuration.maxResponseBytes,
            logger: logger, audit: AuditAPI(ledgerURL: configuration.ledger, policy: holder, logger: logger),
            admin: AdminAPI(
                token: configuration.adminToken, reloader: reloader, ledger: ledger, policy: holder, consents: consents,
                erasure: ErasureService(
                    policy: holder, ledger: ledger, clients: clients, records: consents,
                    reader: AuditReader(ledgerURL: configuration.ledger), logger: logger)),
            consents: consents)
        let application = Application(
            responder: responder,
            configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: nil),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? 0) },
            logger: logger)
        return Gateway(
            policy: holder, ledger: ledger, clients: clients, reloader: reloader,
            services: [LedgerService(writer: ledger), clients, reloader, application])
    }
}

/// Runs the ledger writer as a service: on shutdown it writes what is queued, then stops.
struct LedgerService: Service {
    let writer: LedgerWriter

    func run() async throws {
        try? await gracefulShutdown()
        await writer.close()
    }
}
