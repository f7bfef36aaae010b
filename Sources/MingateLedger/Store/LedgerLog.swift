import Foundation
import NIOCore
import NIOPosix

/// The ledger as the running gateway uses it: every call async, none blocking an event loop. The writer appends
/// through it; the audit API, erasure and consent checks read through it.
///
/// Two implementations: `BlockingLedgerLog` runs a synchronous `LedgerStore` (SQLite) on threads of its own, and
/// `PostgresLedger` talks to PostgreSQL through postgres-nio's pooled `PostgresClient`. The command-line tools use
/// `LedgerStore` directly.
public protocol LedgerLog: Sendable {
    /// Called by the writer's `run()` before anything else (threads start here, not in `init`).
    func start() async
    /// Called by the writer's `run()` when it ends.
    func shutdown() async
    /// Makes sure the tables exist; returns every leaf hash in order and the latest stored checkpoint.
    func load() async throws(LedgerError) -> (leaves: [MerkleTree.Hash], lastCheckpoint: StoredCheckpoint?)
    /// Appends the drafts in order as one durable transaction, or none of them.
    func append(_ drafts: [LedgerDraft], at time: Date) async throws(LedgerError) -> [LedgerEntry]
    func leafHashes(in range: Range<Int64>) async throws(LedgerError) -> [MerkleTree.Hash]
    func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) async throws(LedgerError)
    /// Holds the log for this writer alone (`LedgerStore.holdLog`); called again, checks the hold is still there.
    func holdLog() async throws(LedgerError)
    func releaseLog() async
    /// Checks the store would take a write, writing nothing.
    func probe() async throws(LedgerError)
    /// Housekeeping when idle (SQLite: fold the WAL into the database file).
    func maintain() async throws(LedgerError)
    func checkpoints() async throws(LedgerError) -> [(size: Int, note: String)]
    /// The largest stored checkpoint and when it was stored.
    func latestCheckpoint() async throws(LedgerError) -> StoredCheckpoint?
    func appendCosignature(size: Int, witness: String, line: String, at time: Date) async throws(LedgerError)
    func cosignatures() async throws(LedgerError) -> [StoredCosignature]
    func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) async throws(LedgerError) -> [LedgerEntry]
    func entries(in range: Range<Int64>) async throws(LedgerError) -> [LedgerEntry]
    /// The roots of the log's complete blocks of leaves, which the writer keeps in step with its tree (nil in a log
    /// that does not keep them): what makes a proof read a few blocks, not every leaf hash.
    var blocks: BlockHashes? { get }
}

extension LedgerLog {
    public func start() async {}
    public func shutdown() async {}
    public func maintain() async throws(LedgerError) {}
    public var blocks: BlockHashes? { nil }
}

/// Runs an operation with a deadline: past it the caller gets `failure` at once, and nothing waits for the
/// operation itself, which finishes (or not) on its own. `expired` decides at the deadline whether it has passed
/// (a call that has already got what it waited for, a pooled connection say, may run on).
enum Deadline {
    static func run<T: Sendable>(
        _ timeout: Duration, expired: @escaping @Sendable () -> Bool = { true },
        failure: LedgerError? = nil, _ body: @escaping @Sendable () async throws(LedgerError) -> T
    ) async throws(LedgerError) -> T {
        let eventLoop = MultiThreadedEventLoopGroup.singleton.next()
        let promise = eventLoop.makePromise(of: T.self)
        let failure = failure ?? LedgerError(.storeUnavailable, "the ledger store did not answer within \(timeout)")
        let timer = eventLoop.scheduleTask(in: .nanoseconds(timeout.wholeNanoseconds)) {
            if expired() { promise.fail(failure) }
        }
        promise.completeWithTask { try await body() }
        promise.futureResult.whenComplete { _ in timer.cancel() }
        do {
            return try await promise.futureResult.get()
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeFailed, "\(error)")
        }
    }
}
