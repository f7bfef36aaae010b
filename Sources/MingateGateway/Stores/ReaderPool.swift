import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import NIOPosix

/// Store connections for reads (consent checks, audit queries, erasure lookups), several at once: each read takes
/// an idle connection (or opens one), runs on NIO's blocking-I/O pool, and gives the connection back. A
/// connection that failed is dropped, so the next read reconnects. Writes never go through here: the ledger
/// writer owns its own connection.
final class ReaderPool<Store>: Sendable {
    /// A connection checked out to one read at a time; that exclusivity is what makes the unchecked `Sendable`
    /// true.
    final class Connection: @unchecked Sendable {
        let store: Store
        init(_ store: Store) { self.store = store }
    }

    private let idle = NIOLockedValueBox<[Connection]>([])
    private let open: @Sendable () throws -> Store
    private let maxIdle: Int

    init(maxIdle: Int = 4, open: @escaping @Sendable () throws -> Store) {
        self.open = open
        self.maxIdle = maxIdle
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            let connection = try idle.withLockedValue { $0.popLast() } ?? Connection(open())
            // A read that throws leaves its connection behind: the next read opens a fresh one.
            let result = try body(connection.store)
            idle.withLockedValue { if $0.count < maxIdle { $0.append(connection) } }
            return result
        }
    }
}

/// The consent history and erasure log as the gateway reads and writes them at the gate. No cache: a withdrawal
/// takes effect for the very next request.
struct ConsentReader: Sendable {
    let pool: ReaderPool<any ConsentStore & ErasureLog>

    init(ledgerURL: String) {
        pool = ReaderPool { try LedgerURL(ledgerURL).openConsents() }
    }

    /// The first of `needs` the store does not show granted for this subject, partner and purpose; nil when all are.
    func firstMissing(_ needs: [ConsentNeed], subjectKey: String?, partner: String, purpose: String) async throws
        -> ConsentNeed?
    {
        guard !needs.isEmpty else { return nil }
        guard let subjectKey else { return needs.first }
        return try await pool.read { store in
            for need in needs {
                let kind = ConsentEvent.Kind(rawValue: need.rawValue) ?? .purpose
                if !(try store.isGranted(subjectKey: subjectKey, partner: partner, purpose: purpose, kind: kind)) { return need }
            }
            return nil
        }
    }

    func record(_ event: ConsentEvent) async throws { try await pool.read { try $0.record(event) } }

    func history(subjectKey: String) async throws -> [ConsentEvent] {
        try await pool.read { try $0.history(subjectKey: subjectKey) }
    }

    func recordErasure(_ status: ErasureStatus) async throws { try await pool.read { try $0.record(status) } }

    func erasures(subjectKey: String) async throws -> [ErasureStatus] {
        try await pool.read { try $0.currentErasures(subjectKey: subjectKey) }
    }
}
