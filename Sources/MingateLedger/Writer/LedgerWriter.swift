import Foundation
import Logging
import MingatePolicy

/// Appends ledger entries with group commit: whatever arrives while a commit is on disk goes into the next
/// one, so many concurrent requests share one `fsync`, and each request waits only for its own batch.
///
/// The store is used only on the writer's own thread (SQLite connections are not shared). `append` suspends
/// until the entry is durable or has failed; `record` (for outcomes) enqueues and returns at once, so a
/// response is never delayed by the outcome's write. Outcomes are flushed before the writer stops.
public final class LedgerWriter: @unchecked Sendable {
    private struct Pending {
        let draft: LedgerDraft
        let continuation: CheckedContinuation<LedgerEntry, any Error>?
    }

    private let condition = NSCondition()
    // Guarded by `condition`.
    private var pending: [Pending] = []
    private var stopping = false
    private var stopped = false
    private var healthy = true
    private var lastFailure: String?
    private var committed: Int64 = 0
    private var waitingForStop: [CheckedContinuation<Void, Never>] = []

    private let store: any LedgerStore
    private let checkpointing: Checkpointing?
    // Owned by the writer thread.
    private var tree = CompactRange()
    private var lastCheckpointSize = -1
    private var lastCheckpointTime = Date.distantPast
    private let clock: @Sendable () -> Date
    private let logger: Logger
    /// The most entries written in one commit.
    public let maxBatch: Int

    /// How the writer signs checkpoints: with which key, under which origin, how often.
    public struct Checkpointing: Sendable {
        public let signer: NoteSigner
        /// The log's name, the first line of each checkpoint (e.g. `mingate.example/ledger/gw-1`).
        public let origin: String
        /// A checkpoint is signed after a commit when this long has passed since the last (and on close).
        public let interval: TimeInterval

        public init(signer: NoteSigner, origin: String, interval: TimeInterval = 1) {
            self.signer = signer
            self.origin = origin
            self.interval = interval
        }
    }

    public init(
        store: any LedgerStore, checkpointing: Checkpointing? = nil, clock: @escaping @Sendable () -> Date = { Date() },
        maxBatch: Int = 4096, logger: Logger = Logger(label: "mingate.ledger")
    ) throws(LedgerError) {
        self.store = store
        self.checkpointing = checkpointing
        self.clock = clock
        self.maxBatch = maxBatch
        self.logger = logger
        for (_, hash) in try store.leafHashes(in: 0..<Int64.max) { tree.append(hash) }
        lastCheckpointSize = try store.checkpoints().last?.size ?? -1
        let thread = Thread { [self] in self.loop() }
        thread.name = "mingate-ledger-writer"
        thread.start()
    }

    /// Appends a decision record and returns once it is durable. Throws when the store failed: the caller must
    /// then not forward anything.
    public func append(_ disclosure: Disclosure) async throws(LedgerError) -> LedgerEntry {
        do {
            return try await withCheckedThrowingContinuation { continuation in
                condition.lock()
                if stopping {
                    condition.unlock()
                    continuation.resume(throwing: LedgerError(.closed, "the ledger writer is shutting down"))
                    return
                }
                pending.append(Pending(draft: .disclosure(disclosure), continuation: continuation))
                condition.signal()
                condition.unlock()
            }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeFailed, "\(error)")
        }
    }

    /// Enqueues an outcome without waiting for it to be written.
    public func record(_ outcome: Outcome) {
        condition.lock()
        defer { condition.unlock() }
        guard !stopped else {
            logger.error("outcome after the ledger stopped", metadata: ["request.id": "\(outcome.requestID)"])
            return
        }
        pending.append(Pending(draft: .outcome(outcome), continuation: nil))
        condition.signal()
    }

    /// Whether the last commit succeeded; `/readyz` reports it.
    public var isHealthy: Bool {
        condition.lock()
        defer { condition.unlock() }
        return healthy
    }

    public var status: (healthy: Bool, committed: Int64, lastFailure: String?) {
        condition.lock()
        defer { condition.unlock() }
        return (healthy, committed, lastFailure)
    }

    /// Writes everything already queued, then stops taking entries. Safe to call more than once.
    public func close() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            condition.lock()
            if stopped {
                condition.unlock()
                continuation.resume()
                return
            }
            stopping = true
            waitingForStop.append(continuation)
            condition.signal()
            condition.unlock()
        }
    }

    private func loop() {
        while true {
            condition.lock()
            while pending.isEmpty && !stopping {
                if healthy {
                    condition.wait()
                } else if !condition.wait(until: Date().addingTimeInterval(1)) && pending.isEmpty && !stopping {
                    // Unhealthy and idle: probe the store, so readiness comes back without waiting for a request.
                    condition.unlock()
                    let recovered = (try? store.probe()) != nil
                    condition.lock()
                    if recovered && !healthy {
                        healthy = true
                        lastFailure = nil
                        logger.notice("ledger store reachable again")
                    }
                }
            }
            if pending.isEmpty && stopping {
                condition.unlock()
                signCheckpointIfDue(force: true)
                condition.lock()
                stopped = true
                let waiters = waitingForStop
                waitingForStop = []
                condition.unlock()
                for waiter in waiters { waiter.resume() }
                return
            }
            let batch = Array(pending.prefix(maxBatch))
            pending.removeFirst(batch.count)
            condition.unlock()
            commit(batch)
        }
    }

    /// Signs and stores a checkpoint of the current tree when one is due. A failure is logged and retried at
    /// the next commit; entries are already durable, only their signed summary waits.
    private func signCheckpointIfDue(force: Bool) {
        guard let checkpointing, tree.size > lastCheckpointSize else { return }
        let now = clock()
        guard force || now.timeIntervalSince(lastCheckpointTime) >= checkpointing.interval else { return }
        let checkpoint = Checkpoint(origin: checkpointing.origin, size: tree.size, root: tree.root)
        do {
            let note = try checkpointing.signer.sign(checkpoint.text)
            try store.appendCheckpoint(checkpoint, note: note, at: now)
            lastCheckpointSize = tree.size
            lastCheckpointTime = now
        } catch {
            logger.error("checkpoint not stored", metadata: ["ledger.error": "\(error.code.rawValue)"])
        }
    }

    private func commit(_ batch: [Pending]) {
        do {
            let entries = try store.append(batch.map(\.draft), at: clock())
            condition.lock()
            if !healthy { logger.notice("ledger store recovered") }
            healthy = true
            lastFailure = nil
            committed += Int64(entries.count)
            condition.unlock()
            for entry in entries { tree.append(entry.leafHash) }
            for (pending, entry) in zip(batch, entries) { pending.continuation?.resume(returning: entry) }
            signCheckpointIfDue(force: false)
        } catch {
            condition.lock()
            healthy = false
            lastFailure = error.message
            condition.unlock()
            logger.error("ledger commit failed", metadata: ["ledger.error": "\(error.code.rawValue)", "ledger.batch": "\(batch.count)"])
            // Decisions fail now (their requests get 503, nothing forwarded); outcomes wait for the store to return.
            let outcomes = batch.filter { $0.continuation == nil }
            condition.lock()
            pending.insert(contentsOf: outcomes, at: 0)
            condition.unlock()
            for pending in batch { pending.continuation?.resume(throwing: error) }
            if !outcomes.isEmpty { Thread.sleep(forTimeInterval: 0.05) }
        }
    }
}
