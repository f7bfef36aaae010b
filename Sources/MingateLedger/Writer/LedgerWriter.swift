import Foundation
import Logging
import MingatePolicy
import NIOConcurrencyHelpers
import NIOPosix
import ServiceLifecycle

/// Appends ledger entries with group commit: whatever arrives while a commit is on disk goes into the next one,
/// so many concurrent requests share one `fsync`, and each request waits only for its own batch.
///
/// A `Service`: `run()` is the commit loop. It opens the store, loads the tree, and then takes whatever is queued
/// as one batch, commits it on a blocking-I/O thread of its own (one thread, started in `run()`, so the store's
/// blocking calls never hold an event loop), resumes the waiting requests, and signs a checkpoint when one is due.
/// An `append` costs a lock and, only when the loop is idle, one wake-up. On graceful shutdown it writes what is
/// queued, signs a last checkpoint and returns; outcomes that still cannot be written after `shutdownGrace` are
/// given up and counted in the log (decisions never are: a decision that was not written was never forwarded).
///
/// Every store call has a deadline (`commitTimeout`): a store that hangs (a stuck `fsync`, an unanswered
/// PostgreSQL) fails the waiting requests with `ledger_unavailable` instead of holding them.
public final class LedgerWriter: Service, Sendable {
    struct Pending: Sendable {
        let draft: LedgerDraft
        let continuation: CheckedContinuation<LedgerEntry, any Error>?
    }

    struct State {
        var pending: [Pending] = []
        /// The loop, parked until there is work (or a tick).
        var idle: CheckedContinuation<Void, Never>?
        var stopping = false
        var stopped = false
        var waitingForStop: [CheckedContinuation<Void, Never>] = []
        /// False until the log is loaded, and after any failed call until a probe or a commit succeeds.
        var healthy = false
        /// Why the last store call failed, until one succeeds.
        var lastFailure: LedgerError? = LedgerError(.storeUnavailable, "the ledger is not loaded yet")
        var committed: Int64 = 0
        var treeSize: Int64 = 0
        var lastCheckpointSize: Int64 = -1
        var lastCheckpointAt: Date?
    }

    /// How the writer signs checkpoints: with which key, under which origin, how often.
    public struct Checkpointing: Sendable {
        public let signer: NoteSigner
        /// The log's name, the first line of each checkpoint (e.g. `mingate.example/ledger/gw-1`).
        public let origin: String
        /// A checkpoint is signed this long after the first unsigned entry at the latest, also when no further
        /// request comes, and on shutdown.
        public let interval: TimeInterval

        public init(signer: NoteSigner, origin: String, interval: TimeInterval = 1) {
            self.signer = signer
            self.origin = origin
            self.interval = interval
        }
    }

    private let state = NIOLockedValueBox(State())
    private let log: any LedgerLog
    private let checkpointing: Checkpointing?
    /// Entries to append once the log is open, before any other, in one commit (`LegacyImport`).
    private let importing: (@Sendable (any LedgerLog) async throws(LedgerError) -> [LedgerDraft])?
    private let clock: @Sendable () -> Date
    private let logger: Logger
    private let instruments: LedgerInstruments
    /// The most entries written in one commit.
    public let maxBatch: Int
    /// How long one store call may take before its requests are refused.
    public let commitTimeout: Duration
    /// How long shutdown keeps trying to write queued outcomes to a failing store.
    public let shutdownGrace: Duration
    /// At most this often, when idle after commits, the store's housekeeping runs (SQLite: a WAL checkpoint).
    public var maintenanceInterval: Duration { .seconds(5) }

    /// A writer over a log that it loads when it starts running (so a gateway can start while PostgreSQL is down
    /// and answer 503 until it is back).
    public init(
        log: any LedgerLog, checkpointing: Checkpointing? = nil,
        clock: @escaping @Sendable () -> Date = { Date() }, maxBatch: Int = 4096, commitTimeout: Duration = .seconds(10),
        shutdownGrace: Duration = .seconds(5), logger: Logger = Logger(label: "mingate.ledger"),
        instruments: LedgerInstruments = .none,
        importing: (@Sendable (any LedgerLog) async throws(LedgerError) -> [LedgerDraft])? = nil
    ) {
        self.importing = importing
        self.instruments = instruments
        self.log = log
        self.checkpointing = checkpointing
        self.clock = clock
        self.maxBatch = maxBatch
        self.commitTimeout = commitTimeout
        self.shutdownGrace = shutdownGrace
        self.logger = logger
    }

    /// A writer over a store already open (tests, tools). The store is used by the writer's thread only.
    public convenience init(
        store: any LedgerStore, checkpointing: Checkpointing? = nil, clock: @escaping @Sendable () -> Date = { Date() },
        maxBatch: Int = 4096, commitTimeout: Duration = .seconds(10), logger: Logger = Logger(label: "mingate.ledger")
    ) {
        self.init(
            log: BlockingLedgerLog(store: store), checkpointing: checkpointing, clock: clock,
            maxBatch: maxBatch, commitTimeout: commitTimeout, logger: logger)
    }

    // MARK: - Appending

    /// Appends a decision record and returns once it is durable. Throws when the store failed or did not answer in
    /// time: the caller must then not forward anything.
    public func append(_ disclosure: Disclosure) async throws(LedgerError) -> LedgerEntry {
        try await appendWaiting(.disclosure(disclosure))
    }

    /// Appends any entry and waits for it to be durable.
    public func appendWaiting(_ draft: LedgerDraft) async throws(LedgerError) -> LedgerEntry {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                let accepted = updateAndWake { state -> Bool in
                    guard !state.stopping else { return false }
                    state.pending.append(Pending(draft: draft, continuation: continuation))
                    return true
                }
                if !accepted { continuation.resume(throwing: LedgerError(.closed, "the ledger writer is shutting down")) }
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeFailed, "\(error)")
        }
    }

    /// Enqueues an entry (an outcome, a refusal summary) without waiting for it to be written.
    public func record(_ draft: LedgerDraft) {
        let accepted = updateAndWake { state -> Bool in
            guard !state.stopped else { return false }
            state.pending.append(Pending(draft: draft, continuation: nil))
            return true
        }
        if !accepted {
            logger.error("entry after the ledger stopped; not written", metadata: ["ledger.kind": "\(draft.kind.rawValue)"])
        }
    }

    /// Changes the state under the lock, then wakes the loop if it is parked (it re-reads the state itself).
    private func updateAndWake<T>(_ body: (inout State) -> T) -> T {
        let (result, idle) = state.withLockedValue { state -> (T, CheckedContinuation<Void, Never>?) in
            let result = body(&state)
            defer { state.idle = nil }
            return (result, state.idle)
        }
        idle?.resume()
        return result
    }

    /// Enqueues an outcome without waiting for it to be written.
    public func record(_ outcome: Outcome) { record(.outcome(outcome)) }

    // MARK: - Status

    /// Whether the last store call succeeded; `/readyz` reports it.
    public var isHealthy: Bool { state.withLockedValue { $0.healthy } }

    public var status: (healthy: Bool, committed: Int64, lastFailure: String?) {
        state.withLockedValue { ($0.healthy, $0.committed, $0.lastFailure?.message) }
    }

    /// Why the writer cannot append now (nil when it can): a code, never a message (`/readyz` says it; a message can
    /// name paths).
    public var unavailableBecause: LedgerError.Code? {
        state.withLockedValue { $0.healthy ? nil : $0.lastFailure?.code }
    }

    /// Entries queued and not yet committed.
    public var queueDepth: Int { state.withLockedValue { $0.pending.count } }

    /// Writes everything already queued, then stops taking entries and waits for the loop to end. Safe to call
    /// more than once, and before `run()` has started (it then returns when `run()` would have ended).
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let done = updateAndWake { state -> Bool in
                if state.stopped { return true }
                state.stopping = true
                state.waitingForStop.append(continuation)
                return false
            }
            if done { continuation.resume() }
        }
    }

    /// Runs the writer around `body`, for tools and tests outside a `ServiceGroup`: the loop starts, `body` runs,
    /// then the writer closes (flushing what is queued) and the loop ends.
    public func running<T: Sendable>(_ body: @Sendable (LedgerWriter) async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await self.run() }
            do {
                let result = try await body(self)
                await close()
                try await group.waitForAll()
                return result
            } catch {
                await close()
                try? await group.waitForAll()
                throw error
            }
        }
    }

    // MARK: - The loop

    /// Throws when the log must not be written with this key (`ledger_origin_mismatch`): the gateway stops, as it
    /// does at start on a SQLite ledger, rather than serve 503s; on PostgreSQL, which may be down at start, that is
    /// when it is first reached.
    public func run() async throws {
        await log.start()
        let io = TimedLog(log: log, timeout: commitTimeout, quickTimeout: min(commitTimeout, .seconds(2)))
        let refusal = await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                // Wakes the loop on a timer: idle checkpoints and store probes need no request to arrive.
                group.addTask { await self.tick() }
                let refusal = await self.loop(io)
                group.cancelAll()
                return refusal
            }
        } onGracefulShutdown: {
            self.updateAndWake { $0.stopping = true }
        }
        await log.shutdown()
        if let refusal { throw refusal }
    }

    private var tickInterval: Duration {
        let seconds = min(max(checkpointing?.interval ?? 1, 0.05), 1)
        return .milliseconds(Int64(seconds * 1000))
    }

    private func tick() async {
        while !Task.isCancelled {
            try? await Task.sleep(for: tickInterval)
            updateAndWake { _ in }
        }
    }

    /// Parks until something is queued, shutdown begins, or the next tick.
    private func waitForWork() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let ready = state.withLockedValue { state -> Bool in
                if !state.pending.isEmpty || state.stopping { return true }
                state.idle = continuation
                return false
            }
            if ready { continuation.resume() }
        }
    }

    /// The group-commit loop; returns the refusal that ended it, if one did.
    private func loop(_ io: TimedLog) async -> LedgerError? {
        var failureLines = FailureLines()
        var tree = CompactRange()
        var lastCheckpointTime = Date.distantPast
        var opened = false
        var stopDeadline: ContinuousClock.Instant?
        var committedSinceMaintenance = false
        var lastMaintenance = ContinuousClock.now
        var lastHoldCheck = ContinuousClock.now

        while true {
            if !opened {
                switch await open(io, &tree) {
                case .opened:
                    opened = true
                    lastCheckpointTime = clock()
                case .refused(let error):
                    // Nothing is ever written with this key: what waits is refused, and the writer ends.
                    let waiting = state.withLockedValue { state -> [Pending] in
                        state.stopping = true
                        defer { state.pending = [] }
                        return state.pending
                    }
                    for pending in waiting { pending.continuation?.resume(throwing: error) }
                    await stop()
                    return error
                case .unavailable: break
                }
            }
            let (batch, stopping) = state.withLockedValue { state -> ([Pending], Bool) in
                let batch = Array(state.pending.prefix(maxBatch))
                state.pending.removeFirst(batch.count)
                return (batch, state.stopping)
            }
            if stopping && stopDeadline == nil { stopDeadline = .now + shutdownGrace }

            if !batch.isEmpty {
                if opened && !isHealthy {
                    // After a failure, a quick probe first: a store still down fails this batch within the probe's
                    // deadline instead of the commit's.
                    await probe(io)
                }
                if opened && isHealthy {
                    await commit(batch, io, &tree, &failureLines)
                    committedSinceMaintenance = true
                } else if opened {
                    fail(batch, LedgerError(.storeUnavailable, state.withLockedValue { $0.lastFailure?.message } ?? "the ledger store is unavailable"))
                } else {
                    fail(batch, LedgerError(.storeUnavailable, state.withLockedValue { $0.lastFailure?.message } ?? "the ledger store cannot be opened"))
                    // Nothing can be written before the store opens: try again at the next tick, not in a hot loop
                    // over the entries that wait for it.
                    if !stopping { try? await Task.sleep(for: tickInterval) }
                }
            } else if opened && !isHealthy {
                await probe(io)
            } else if opened && committedSinceMaintenance && ContinuousClock.now - lastMaintenance >= maintenanceInterval {
                // Idle: fold the WAL back into the database file.
                try? await io.run { log throws(LedgerError) in try await log.maintain() }
                committedSinceMaintenance = false
                lastMaintenance = .now
            }
            if opened, ContinuousClock.now - lastHoldCheck >= .seconds(1) {
                lastHoldCheck = .now
                do throws(LedgerError) {
                    try await io.run { log throws(LedgerError) in try await log.holdLog() }
                } catch {
                    // The hold is gone (the store's session ended): stop appending until it is held again.
                    logger.error("ledger hold lost; reopening", metadata: ["ledger.error": "\(error.message)"])
                    markUnhealthy(error)
                    opened = false
                }
            }
            // Not while the store fails: the probe says when it is back, and the checkpoint follows.
            if opened && isHealthy {
                await signCheckpointIfDue(io, tree, &lastCheckpointTime, &failureLines, force: stopping && batch.isEmpty)
            }

            if stopping {
                let left = state.withLockedValue { $0.pending.count }
                if left == 0 { break }
                if let stopDeadline, ContinuousClock.now >= stopDeadline {
                    let dropped = state.withLockedValue { state -> [Pending] in
                        defer { state.pending = [] }
                        return state.pending
                    }
                    for pending in dropped {
                        pending.continuation?.resume(throwing: LedgerError(.closed, "the ledger writer stopped"))
                    }
                    logger.critical(
                        "ledger store still failing at shutdown: outcome entries not written",
                        metadata: ["ledger.dropped": "\(dropped.count)"])
                    break
                }
                if batch.isEmpty { try? await Task.sleep(for: .milliseconds(50)) }
                continue
            }
            if batch.isEmpty { await waitForWork() }
        }
        await stop()
        return nil
    }

    /// The loop's end: the log released, `close()`'s callers woken.
    private func stop() async {
        await log.releaseLog()
        let waiters = state.withLockedValue { state -> [CheckedContinuation<Void, Never>] in
            state.stopped = true
            defer { state.waitingForStop = [] }
            return state.waitingForStop
        }
        for waiter in waiters { waiter.resume() }
    }

    /// Opens the store and loads the tree. Unavailable (and unhealthy) when the store cannot be reached yet; refused
    /// for good when the checkpoint key names another origin than the log's own checkpoints (the writer then ends,
    /// and the gateway with it: signing into another log's history would make neither verify).
    enum Opening {
        case opened, unavailable
        case refused(LedgerError)
    }

    private func open(_ io: TimedLog, _ tree: inout CompactRange) async -> Opening {
        do throws(LedgerError) {
            // One writer per log: a second gateway on the same ledger (or origin) waits, unhealthy, until it is free.
            // Held before loading, so what is loaded is what the last holder left.
            try await io.run { log throws(LedgerError) in try await log.holdLog() }
            // The commit's deadline, not the probe's: a store that is slow but alive at start (a loaded machine, a large
            // log to read) must not fail the first requests; one that is down fails fast on its own.
            let (hashes, lastCheckpoint) = try await io.run { log throws(LedgerError) in try await log.load() }
            if let checkpointing, let error = lastCheckpoint?.originMismatch(signing: checkpointing.origin) {
                logger.critical("ledger refused: the checkpoint key is another log's; stopping", metadata: ["ledger.error": "\(error.message)"])
                markUnhealthy(error)
                return .refused(error)
            }
            tree = CompactRange(hashes)
            log.blocks?.reset(hashes)
            if let importing {
                let drafts = try await io.run { log throws(LedgerError) in try await importing(log) }
                if !drafts.isEmpty {
                    let time = clock()
                    let entries = try await io.run { log throws(LedgerError) in try await log.append(drafts, at: time) }
                    grow(&tree, entries)
                    logger.notice("imported the consent history and erasure log of an earlier version into the ledger", metadata: ["ledger.entries": "\(entries.count)"])
                }
            }
            let size = Int64(tree.size)
            state.withLockedValue { state in
                state.treeSize = size
                state.lastCheckpointSize = Int64(lastCheckpoint?.size ?? -1)
                if !state.healthy { logger.notice("ledger store reachable again") }
                state.healthy = true
                state.lastFailure = nil
            }
            return .opened
        } catch {
            if error.code == .originHeld, holdLines.withLockedValue({ $0.shouldLog(every: .seconds(60)) }) {
                logger.error("ledger held by another writer; this gateway answers 503 until it is free", metadata: ["ledger.error": "\(error.message)"])
            }
            markUnhealthy(error)
            return .unavailable
        }
    }

    private let holdLines = NIOLockedValueBox(FailureLines())

    private func commit(_ batch: [Pending], _ io: TimedLog, _ tree: inout CompactRange, _ failureLines: inout FailureLines) async {
        let drafts = batch.map(\.draft)
        let time = clock()
        let started = ContinuousClock.now
        instruments.batchSize.record(batch.count)
        defer { instruments.commitDuration.record(ContinuousClock.now - started) }
        do {
            let entries = try await io.run { log throws(LedgerError) in try await log.append(drafts, at: time) }
            if let first = entries.first, first.sequence != Int64(tree.size) {
                // A commit that timed out earlier landed after all: rebuild the tree (and its blocks) from the store.
                let hashes = try await io.run { log throws(LedgerError) in try await log.leafHashes(in: 0..<first.sequence) }
                tree = CompactRange(hashes)
                log.blocks?.reset(hashes)
            }
            grow(&tree, entries)
            let size = Int64(tree.size)
            state.withLockedValue { state in
                if !state.healthy { logger.notice("ledger store recovered") }
                state.healthy = true
                state.lastFailure = nil
                state.committed += Int64(entries.count)
                state.treeSize = size
            }
            // The store put a shape entry before the first record of each new shape: nobody asked for those.
            for (pending, entry) in zip(batch, entries.filter { $0.kind != .shape }) { pending.continuation?.resume(returning: entry) }
        } catch {
            instruments.failures.increment()
            markUnhealthy(error)
            if failureLines.shouldLog() {
                logger.error("ledger commit failed", metadata: ["ledger.error": "\(error.code.rawValue)", "ledger.batch": "\(batch.count)"])
            }
            fail(batch, error)
        }
    }

    /// Committed entries join the tree and the log's block roots, which stay in step with it.
    private func grow(_ tree: inout CompactRange, _ entries: [LedgerEntry]) {
        for entry in entries { tree.append(entry.leafHash) }
        log.blocks?.extend(entries)
    }

    /// Decisions fail now (their requests get 503, nothing forwarded); entries nobody waits for go back to the
    /// front of the queue for the next try.
    private func fail(_ batch: [Pending], _ error: LedgerError) {
        let retry = batch.filter { $0.continuation == nil }
        state.withLockedValue { $0.pending.insert(contentsOf: retry, at: 0) }
        for pending in batch { pending.continuation?.resume(throwing: error) }
    }

    private func probe(_ io: TimedLog) async {
        do {
            try await io.quick { log throws(LedgerError) in try await log.probe() }
            state.withLockedValue { state in
                if !state.healthy { logger.notice("ledger store reachable again") }
                state.healthy = true
                state.lastFailure = nil
            }
        } catch {
            markUnhealthy(error)
        }
    }

    private func markUnhealthy(_ error: LedgerError) {
        state.withLockedValue { state in
            state.healthy = false
            state.lastFailure = error
        }
    }

    /// Signs and stores a checkpoint of the current tree when one is due. A failure is logged (at most a line a
    /// second, with the commits' failures) and retried an interval later; entries are already durable, only their
    /// signed summary waits.
    private func signCheckpointIfDue(
        _ io: TimedLog, _ tree: CompactRange, _ last: inout Date, _ failureLines: inout FailureLines, force: Bool
    ) async {
        guard let checkpointing else { return }
        let signed = state.withLockedValue { $0.lastCheckpointSize }
        guard Int64(tree.size) > signed else { return }
        let now = clock()
        guard force || now.timeIntervalSince(last) >= checkpointing.interval else { return }
        let checkpoint = Checkpoint(origin: checkpointing.origin, size: tree.size, root: tree.root)
        do {
            let note = try checkpointing.signer.sign(checkpoint.text)
            try await io.run { log throws(LedgerError) in try await log.appendCheckpoint(checkpoint, note: note, at: now) }
            state.withLockedValue {
                $0.lastCheckpointSize = Int64(checkpoint.size)
                $0.lastCheckpointAt = now
            }
            instruments.checkpoints.increment()
            last = now
        } catch {
            last = now
            if failureLines.shouldLog() {
                logger.error("checkpoint not stored", metadata: ["ledger.error": "\(error.code.rawValue)"])
            }
        }
    }

    /// Entries in the log (the tree's size once loaded).
    public var size: Int64 { state.withLockedValue { $0.treeSize } }

    /// When this writer last stored a signed checkpoint; nil before its first.
    public var lastCheckpointAt: Date? { state.withLockedValue { $0.lastCheckpointAt } }

    /// Entries committed and not yet covered by a signed checkpoint.
    public var unsignedEntries: Int64 {
        state.withLockedValue { max(0, $0.treeSize - max($0.lastCheckpointSize, 0)) }
    }

    /// At most one failure line a second, so a store outage does not flood the log.
    struct FailureLines {
        var last = ContinuousClock.now - .seconds(3600)
        mutating func shouldLog(every interval: Duration = .seconds(1)) -> Bool {
            guard ContinuousClock.now - last >= interval else { return false }
            last = .now
            return true
        }
    }
}

/// A store handed to the writer's I/O thread. Stores are not thread-safe: this one is only touched by the one
/// thread of the writer's pool, one call at a time, which is what makes the unchecked `Sendable` true.
final class ConfinedStore: @unchecked Sendable {
    let store: any LedgerStore
    init(_ store: any LedgerStore) { self.store = store }
}

/// The writer's log with a deadline on every call: a store that hangs (a stuck `fsync`, an unanswered PostgreSQL)
/// fails the waiting requests with `storeUnavailable` instead of holding them.
/// Probes get a shorter deadline: they run while the store is thought to be down, with requests waiting behind them.
struct TimedLog: Sendable {
    let log: any LedgerLog
    let timeout: Duration
    let quickTimeout: Duration

    func run<T: Sendable>(_ body: @escaping @Sendable (any LedgerLog) async throws(LedgerError) -> T) async throws(LedgerError) -> T {
        let log = self.log
        return try await Deadline.run(timeout) { () async throws(LedgerError) -> T in try await body(log) }
    }

    func quick<T: Sendable>(_ body: @escaping @Sendable (any LedgerLog) async throws(LedgerError) -> T) async throws(LedgerError) -> T {
        let log = self.log
        return try await Deadline.run(quickTimeout) { () async throws(LedgerError) -> T in try await body(log) }
    }
}
