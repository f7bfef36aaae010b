import Foundation
import NIOConcurrencyHelpers
import NIOPosix

/// A synchronous `LedgerStore` (SQLite) as a `LedgerLog`: writes on one thread of its own (the store's
/// connection is used by that thread only, one call at a time), reads through a small pool of connections of
/// their own on NIO's blocking-I/O pool. Nothing blocks an event loop or the caller's task.
public final class BlockingLedgerLog: LedgerLog {
    private let opener: @Sendable () throws(LedgerError) -> any LedgerStore
    private let readers: ReaderPool<any LedgerStore>?
    private let pool = NIOThreadPool(numberOfThreads: 1)
    private let writerStore = NIOLockedValueBox<ConfinedStore?>(nil)
    public let blocks: BlockHashes? = BlockHashes()

    /// `opener` opens the writer's store; `reader`, when given, opens a store for reads (one per concurrent read).
    public init(
        opening opener: @escaping @Sendable () throws(LedgerError) -> any LedgerStore,
        readers reader: (@Sendable () throws -> any LedgerStore)? = nil
    ) {
        self.opener = opener
        self.readers = reader.map { ReaderPool(open: $0) }
    }

    /// A log over a store already open (tests, tools): only the log's one writer thread touches it.
    public convenience init(store: any LedgerStore) {
        let handOver = ConfinedStore(store)
        self.init(opening: { handOver.store })
    }

    public func start() async { pool.start() }

    public func shutdown() async { try? await pool.shutdownGracefully() }

    /// Runs `body` with the writer's store on the writer's thread.
    private func write<T: Sendable>(_ body: @escaping @Sendable (any LedgerStore) throws(LedgerError) -> T) async throws(LedgerError) -> T {
        let holder = writerStore
        let opener = self.opener
        do {
            return try await pool.runIfActive { () throws -> T in
                let store: any LedgerStore
                if let open = holder.withLockedValue({ $0 }) {
                    store = open.store
                } else {
                    store = try opener()
                    holder.withLockedValue { $0 = ConfinedStore(store) }
                }
                return try body(store)
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeUnavailable, "\(error)")
        }
    }

    /// Runs `body` with a reader's store (the writer's, on its thread, when no reader was given).
    private func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerStore) throws(LedgerError) -> T) async throws(LedgerError) -> T {
        guard let readers else { return try await write(body) }
        do {
            return try await readers.read { store in try body(store) }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeUnavailable, "\(error)")
        }
    }

    public func load() async throws(LedgerError) -> (leaves: [MerkleTree.Hash], lastCheckpoint: StoredCheckpoint?) {
        try await write { store throws(LedgerError) in
            (try store.leafHashes(in: 0..<Int64.max).map(\.hash), try store.latestCheckpoint())
        }
    }

    public func append(_ drafts: [LedgerDraft], at time: Date) async throws(LedgerError) -> [LedgerEntry] {
        try await write { store throws(LedgerError) in try store.append(drafts, at: time) }
    }

    public func leafHashes(in range: Range<Int64>) async throws(LedgerError) -> [MerkleTree.Hash] {
        try await write { store throws(LedgerError) in try store.leafHashes(in: range).map(\.hash) }
    }

    public func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) async throws(LedgerError) {
        try await write { store throws(LedgerError) in try store.appendCheckpoint(checkpoint, note: note, at: time) }
    }

    public func holdLog() async throws(LedgerError) {
        try await write { store throws(LedgerError) in try store.holdLog() }
    }

    public func releaseLog() async {
        try? await write { store throws(LedgerError) in store.releaseLog() }
    }

    public func probe() async throws(LedgerError) {
        try await write { store throws(LedgerError) in try store.probe() }
    }

    public func maintain() async throws(LedgerError) {
        try await write { store throws(LedgerError) in try store.maintain() }
    }

    public func checkpoints() async throws(LedgerError) -> [(size: Int, note: String)] {
        try await read { store throws(LedgerError) in try store.checkpoints() }
    }

    public func latestCheckpoint() async throws(LedgerError) -> StoredCheckpoint? {
        try await read { store throws(LedgerError) in try store.latestCheckpoint() }
    }

    public func appendCosignature(size: Int, witness: String, line: String, at time: Date) async throws(LedgerError) {
        try await write { store throws(LedgerError) in try store.appendCosignature(size: size, witness: witness, line: line, at: time) }
    }

    public func cosignatures() async throws(LedgerError) -> [StoredCosignature] {
        try await read { store throws(LedgerError) in try store.cosignatures() }
    }

    public func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) async throws(LedgerError) -> [LedgerEntry] {
        try await read { store throws(LedgerError) in try store.query(filter, after: after, limit: limit) }
    }

    public func entries(in range: Range<Int64>) async throws(LedgerError) -> [LedgerEntry] {
        try await read { store throws(LedgerError) in try store.entries(in: range) }
    }
}
