import Logging
import MingatePolicy
import NIOConcurrencyHelpers
import ServiceLifecycle
import UnixSignals

/// Loads and validates the policy files again and swaps them in atomically, on SIGHUP or `POST /admin/reload`.
/// An invalid change keeps the running policy and says why (log line, counters, the admin response). Requests in
/// flight finish under the policy they started with; each record names the version it was decided under.
public final class PolicyReloader: Service, Sendable {
    let configuration: GatewayConfiguration
    let holder: PolicyHolder
    let clients: PartnerClients
    let logger: Logger
    let metrics: GatewayMetrics
    private let counters = NIOLockedValueBox((succeeded: 0, failed: 0, lastError: String?.none))

    init(
        configuration: GatewayConfiguration, holder: PolicyHolder, clients: PartnerClients, metrics: GatewayMetrics,
        logger: Logger
    ) {
        self.metrics = metrics
        self.configuration = configuration
        self.holder = holder
        self.clients = clients
        self.logger = logger
    }

    public enum Outcome: Sendable {
        case reloaded(version: String, warnings: Int)
        case unchanged(version: String)
        case rejected(String)
    }

    public var status: (succeeded: Int, failed: Int, lastError: String?) { counters.withLockedValue { $0 } }

    public func reload() -> Outcome {
        let loaded: LoadedPolicy
        do throws(GatewayError) {
            loaded = try LoadedPolicy.load(configuration)
            guard loaded.ledgerKeyFingerprint == holder.current.ledgerKeyFingerprint else {
                throw GatewayError(
                    .secrets,
                    "the ledger key changed: a ledger keeps the key it was first written with (ops/runbooks/key-rotation.md)")
            }
        } catch {
            counters.withLockedValue {
                $0.failed += 1
                $0.lastError = error.description
            }
            metrics.reloaded(succeeded: false)
            logger.error("policy reload rejected; the running policy stays", metadata: ["policy.error": "\(error.description)"])
            return .rejected(error.description)
        }
        let previous = holder.current.policy.version
        guard loaded.policy.version != previous else { return .unchanged(version: previous) }
        clients.update(Array(loaded.policy.partners.values))
        holder.replace(with: loaded)
        metrics.policyInForce(loaded.policy.version)
        metrics.reloaded(succeeded: true)
        counters.withLockedValue {
            $0.succeeded += 1
            $0.lastError = nil
        }
        logger.notice("policy reloaded", metadata: ["policy.version": "\(loaded.policy.version)", "policy.previous": "\(previous)"])
        return .reloaded(version: loaded.policy.version, warnings: loaded.policy.warnings.count)
    }

    /// Reloads on every SIGHUP until shutdown.
    public func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        // Cancelled when shutdown begins, so the service group is never kept waiting on a signal.
        await cancelWhenGracefulShutdown {
            for await _ in signals { _ = self.reload() }
        }
    }
}
