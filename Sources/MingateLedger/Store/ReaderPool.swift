import NIOConcurrencyHelpers
import NIOPosix

/// Store connections for reads (consent checks, audit queries, erasure lookups), several at once: each read takes
/// an idle connection (or opens one), runs on NIO's blocking-I/O pool, and gives the connection back. A
/// connection that failed is dropped, so the next read reconnects. Writes never go through here: the ledger
/// writer owns its own connection.
public final class ReaderPool<Store>: Sendable {
    /// A connection checked out to one read at a time; that exclusivity is what makes the unchecked `Sendable`
    /// true.
    final class Connection: @unchecked Sendable {
        let store: Store
        init(_ store: Store) { self.store = store }
    }

    private let idle = NIOLockedValueBox<[Connection]>([])
    private let open: @Sendable () throws -> Store
    private let maxIdle: Int

    public init(maxIdle: Int = 4, open: @escaping @Sendable () throws -> Store) {
        self.open = open
        self.maxIdle = maxIdle
    }

    /// Runs `body` with a connection of its own on NIO's blocking-I/O pool.
    public func read<T: Sendable>(_ body: @escaping @Sendable (Store) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [self] in
            let connection = try idle.withLockedValue { $0.popLast() } ?? Connection(open())
            // A read that throws leaves its connection behind: the next read opens a fresh one.
            let result = try body(connection.store)
            idle.withLockedValue { if $0.count < maxIdle { $0.append(connection) } }
            return result
        }
    }
}

