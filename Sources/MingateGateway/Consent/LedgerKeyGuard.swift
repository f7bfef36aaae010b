import Foundation
import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Holds the gateway to the ledger key its ledger was first written with. The first run records the key's
/// fingerprint; every later run (and every tool) must present the same key, or subject keys would stop matching
/// the earlier records and an access report would come back empty.
///
/// A SQLite ledger is checked before the gateway starts (`check(_:fingerprint:)`), so it needs no guard at run time.
/// A PostgreSQL ledger may be down at start: this service checks it as soon as it answers, and until then the routes
/// that compute subject keys (partner calls, admin) wait for it as for a commit, then answer 503
/// `ledger_unavailable`. A mismatch ends the service with an error, which stops the gateway.
final class LedgerKeyGuard: Service, RouterMiddleware, Sendable {
    typealias Context = GatewayRequestContext

    let fingerprint: String
    let consents: any ConsentLog
    let logger: Logger
    /// How long a request waits for the check, like a ledger commit (`ledger_commit_timeout`).
    let patience: Duration
    private let verified = NIOLockedValueBox(false)

    init(fingerprint: String, consents: any ConsentLog, patience: Duration, logger: Logger) {
        self.patience = patience
        self.fingerprint = fingerprint
        self.consents = consents
        self.logger = logger
    }

    var isVerified: Bool { verified.withLockedValue { $0 } }

    /// Checks a synchronous store now (SQLite, before the gateway starts).
    static func check(_ open: () throws(LedgerError) -> any ConsentStore, fingerprint: String) throws(GatewayError) {
        let recorded: String
        do {
            recorded = try open().claimKeyFingerprint(fingerprint, at: LedgerEncoding.timestamp(Date()))
        } catch {
            throw GatewayError(.ledger, "cannot check the ledger key against the ledger: \(error)")
        }
        if let problem = LedgerKeyCheck.problem(recorded: recorded, key: fingerprint) {
            throw GatewayError(.secrets, problem.message)
        }
    }

    func run() async throws {
        do {
            try await cancelWhenGracefulShutdown { try await self.check() }
        } catch is CancellationError {
            return
        }
        try? await gracefulShutdown()
    }

    /// Returns once the key is verified; throws on a mismatch; retries while the ledger cannot answer.
    private func check() async throws {
        var delay = Duration.milliseconds(200)
        while !isVerified {
            do {
                let recorded = try await consents.claimKeyFingerprint(fingerprint, at: LedgerEncoding.timestamp(Date()))
                if let problem = LedgerKeyCheck.problem(recorded: recorded, key: fingerprint) {
                    logger.critical("wrong ledger key: the gateway stops", metadata: ["ledger.problem": "\(problem.message)"])
                    throw GatewayError(.secrets, problem.message)
                }
                verified.withLockedValue { $0 = true }
                logger.info("ledger key checked against the ledger", metadata: ["ledger.key_fingerprint": "\(fingerprint)"])
            } catch let error as GatewayError {
                throw error
            } catch {
                logger.warning("cannot check the ledger key yet; partner calls wait", metadata: ["ledger.error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        // Not checked yet (the service has just started, or the store is down): wait for it as a commit would.
        let deadline = ContinuousClock.now + patience
        while !isVerified {
            guard ContinuousClock.now < deadline else {
                throw Refusal(.ledgerUnavailable, "the ledger key has not been checked against the ledger yet (is the ledger up?)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return try await next(request, context)
    }
}
