import Foundation
import MingatePolicy

/// Recomputes a ledger from its stored rows and checks it against its signed checkpoints, in one streaming pass.
///
/// What it finds: an entry whose bytes no longer match its leaf hash (edited); an index column that disagrees with
/// the canonical entry beside it (an edited `partner`, `subject_key`, `recorded_at`…, which would make searches
/// hide or misattribute records); a missing or repeated sequence number (deleted, inserted); an entry whose
/// embedded `seq` is not its position (reordered); a checkpoint whose signature does not verify or that names
/// another origin (forged); a checkpoint whose root the entries no longer produce (entries edited together with
/// their hashes). A log with no records, or none vouched for by a checkpoint under the key given, is a failure too:
/// a wrong key or origin must never read as "OK".
///
/// The pass keeps only the right edge of the tree (`CompactRange`, O(log n) hashes) and one page of rows, so memory
/// does not grow with the log, and time is linear in entries plus checkpoints: every checkpoint's root is compared
/// with the edge when the pass reaches its size. Two checkpoints whose roots both come from the one sequence of
/// leaves are consistent by construction, so no consistency proof is computed.
///
/// Incremental (`since:`, how CT monitors work): given a checkpoint the auditor kept from an earlier run, the pass
/// rebuilds the edge from the stored leaf hashes up to its size (32 bytes a row, nothing parsed), requires that edge
/// to produce the kept root (the history the auditor saw was not rewritten), and then checks only the rows after it.
public struct LedgerAuditor: Sendable {
    public let verifier: NoteVerifier
    /// The origin every checkpoint must name; Mingate signs under the key's name.
    public let origin: String
    /// Rows read per page.
    public var pageSize: Int64 = 10_000

    public init(verifier: NoteVerifier, origin: String? = nil) {
        self.verifier = verifier
        self.origin = origin ?? verifier.name
    }

    public struct Report: Sendable {
        /// Entries in the log (with `since`, including those before the kept checkpoint).
        public var entries = 0
        /// Entries read and checked in full in this pass.
        public var checkedEntries = 0
        /// Checkpoints looked at in this pass.
        public var checkpoints = 0
        /// The largest tree size covered by a verified checkpoint.
        public var verifiedSize = 0
        public var latest: Checkpoint?
        /// The signed note of `latest`, to keep for the next incremental pass.
        public var latestNote: String?
        /// The checkpoint the auditor kept, when the pass was incremental.
        public var kept: Checkpoint?
        /// Problems in ledger order; the first names the first bad record.
        public var problems: [Problem] = []
        public var isValid: Bool { problems.isEmpty }
    }

    public struct Problem: Sendable, CustomStringConvertible {
        /// The first sequence number the problem concerns, when one can be named.
        public let sequence: Int64?
        public let message: String
        /// Whether `sequence` is the bad record itself, not the start of a range that holds it.
        public var exact = true
        public var description: String { sequence.map { "record \($0): \(message)" } ?? message }
    }

    /// Parses and checks a checkpoint the auditor kept (its signed note) for `verify(_:since:)`.
    public func keptCheckpoint(_ note: String) throws(LedgerError) -> Checkpoint {
        guard let text = verifier.verify(note) else {
            throw LedgerError(.badCheckpoint, "the kept checkpoint's signature does not verify with \(verifier.name)'s key")
        }
        let checkpoint = try Checkpoint(text: text)
        guard checkpoint.origin == origin else {
            throw LedgerError(.badCheckpoint, "the kept checkpoint is for origin \(checkpoint.origin), not \(origin)")
        }
        return checkpoint
    }

    public func verify(_ store: any LedgerStore, since kept: Checkpoint? = nil, progress: ((Int) -> Void)? = nil) throws(LedgerError) -> Report {
        var pass = Pass(auditor: self, store: store)
        if let kept { try pass.resume(from: kept, store) }
        var checkpoints = CheckpointPages(store: store, from: pass.tree.size)
        var start = Int64(pass.tree.size)
        while true {
            let rows = try store.rows(in: start..<start + pageSize)
            if rows.isEmpty { break }
            for row in rows {
                while let next = try checkpoints.peek(), next.size <= pass.tree.size {
                    pass.check(next)
                    checkpoints.advance()
                }
                pass.check(row)
            }
            progress?(pass.report.entries)
            start = rows[rows.count - 1].sequence + 1
        }
        while let next = try checkpoints.peek() {
            pass.check(next)
            checkpoints.advance()
        }
        return pass.finish()
    }

    /// The state of one pass: the tree's right edge, the report, what the next row must be.
    struct Pass {
        let auditor: LedgerAuditor
        var tree = CompactRange()
        var report = Report()
        var expected: Int64 = 0
        var previousTime = ""
        var verifiedFrom = 0
        let store: any LedgerStore
        /// The shape entries seen, with the partner and purpose they name: a version 2 decision must name one of
        /// them, written before it, for the same partner and purpose. (Memory grows with the number of shapes, not
        /// of records.)
        var shapes: [Int64: IndexColumns] = [:]

        init(auditor: LedgerAuditor, store: any LedgerStore) {
            self.auditor = auditor
            self.store = store
        }

        /// Rebuilds the edge at the kept checkpoint from stored leaf hashes and requires it to give the kept root.
        mutating func resume(from kept: Checkpoint, _ store: any LedgerStore) throws(LedgerError) {
            report.kept = kept
            tree = try CompactRange(store, upTo: kept.size)
            guard tree.size == kept.size, tree.root == kept.root else {
                report.problems.append(
                    Problem(
                        sequence: nil,
                        message: "the log no longer produces your kept checkpoint (size \(kept.size)): records before it were deleted or rewritten",
                        exact: false))
                tree = CompactRange()
                return
            }
            expected = Int64(kept.size)
            report.entries = kept.size
            report.verifiedSize = kept.size
            verifiedFrom = kept.size
            if kept.size > 0, let last = try store.rows(in: Int64(kept.size) - 1..<Int64(kept.size)).first,
                let (_, columns) = IndexColumns.of(entry: last.entry)
            {
                previousTime = columns.recordedAt
            }
        }

        mutating func check(_ row: StoredRow) {
            if row.sequence != expected {
                let message =
                    row.sequence > expected
                    ? "missing: record(s) \(expected)…\(row.sequence - 1) were deleted"
                    : "repeated: record \(row.sequence) comes again after \(expected - 1)"
                report.problems.append(Problem(sequence: expected, message: message))
                expected = row.sequence
            }
            let hash = MerkleTree.leafHash(row.entry)
            if hash != row.leafHash {
                report.problems.append(Problem(sequence: row.sequence, message: "edited: the record's bytes do not match its leaf hash"))
            }
            // Read once: the columns, the sequence number and the shape reference all come from this scan.
            if let head = EntryHead(row.entry), let says = head.seq, let columns = IndexColumns(head) {
                if says != row.sequence {
                    report.problems.append(Problem(sequence: row.sequence, message: "moved: the record says it is record \(says)"))
                }
                let edited = row.columns.differences(from: columns)
                if !edited.isEmpty {
                    report.problems.append(
                        Problem(
                            sequence: row.sequence,
                            message: "index edited: the \(edited.joined(separator: ", ")) column(s) disagree with the record (searches would hide or misattribute it)"))
                }
                if columns.recordedAt < previousTime {
                    report.problems.append(Problem(sequence: row.sequence, message: "out of order: earlier than the record before"))
                }
                previousTime = columns.recordedAt
                checkShape(row, head, columns)
            } else {
                report.problems.append(Problem(sequence: row.sequence, message: "unreadable: not a canonical ledger entry"))
            }
            tree.append(hash)
            expected += 1
            report.entries += 1
            report.checkedEntries += 1
        }

        /// A shape entry is remembered; a version 2 decision must name an earlier one of its partner and purpose.
        mutating func checkShape(_ row: StoredRow, _ head: EntryHead, _ columns: IndexColumns) {
            if columns.kind == LedgerEntry.Kind.shape.rawValue {
                shapes[row.sequence] = columns
                return
            }
            guard columns.kind == LedgerEntry.Kind.disclosure.rawValue || columns.kind == LedgerEntry.Kind.inbound.rawValue,
                (head.version ?? 1) >= 2
            else { return }
            guard let reference = head.shape, reference < row.sequence else {
                report.problems.append(Problem(sequence: row.sequence, message: "incomplete: a version 2 decision that names no earlier shape entry"))
                return
            }
            if shapes[reference] == nil, reference < Int64(verifiedFrom),
                let kept = try? store.rows(in: reference..<reference + 1).first, MerkleTree.leafHash(kept.entry) == kept.leafHash,
                let (_, columns) = IndexColumns.of(entry: kept.entry), columns.kind == LedgerEntry.Kind.shape.rawValue
            {
                // Written before the checkpoint an incremental pass starts from: read once, its bytes checked against
                // the leaf hash the kept root vouches for.
                shapes[reference] = columns
            }
            guard let shape = shapes[reference] else {
                report.problems.append(Problem(sequence: row.sequence, message: "incomplete: names shape \(reference), which is not a shape entry"))
                return
            }
            if shape.partner != columns.partner || shape.purpose != columns.purpose {
                report.problems.append(
                    Problem(sequence: row.sequence, message: "misattributed: names shape \(reference), which is another partner's or purpose's"))
            }
        }

        mutating func check(_ stored: (size: Int, note: String)) {
            report.checkpoints += 1
            let size = stored.size
            guard let text = auditor.verifier.verify(stored.note), let checkpoint = try? Checkpoint(text: text) else {
                report.problems.append(
                    Problem(
                        sequence: nil,
                        message: "checkpoint at size \(size): the signature does not verify with \(auditor.verifier.name)'s key (forged or signed by another key)",
                        exact: false))
                return
            }
            guard checkpoint.origin == auditor.origin else {
                report.problems.append(
                    Problem(sequence: nil, message: "checkpoint at size \(size) is for origin \(checkpoint.origin), not \(auditor.origin)", exact: false))
                return
            }
            guard checkpoint.size == size else {
                report.problems.append(Problem(sequence: nil, message: "checkpoint at size \(size) says size \(checkpoint.size)", exact: false))
                return
            }
            guard size == tree.size else {
                report.problems.append(
                    Problem(
                        sequence: Int64(tree.size),
                        message: "checkpoint at size \(size) covers records that are missing (the log holds \(tree.size))"))
                return
            }
            guard tree.root == checkpoint.root else {
                report.problems.append(
                    Problem(
                        sequence: Int64(verifiedFrom),
                        message: "the signed root at size \(size) does not match: a record in \(verifiedFrom)…\(size - 1) was changed",
                        exact: false))
                return
            }
            verifiedFrom = size
            report.verifiedSize = size
            report.latest = checkpoint
            report.latestNote = stored.note
        }

        /// The report, with the failures an empty pass would otherwise hide.
        mutating func finish() -> Report {
            if report.entries == 0 {
                report.problems.append(
                    Problem(
                        sequence: nil,
                        message: "the log holds no records for origin \(auditor.origin): a wrong ledger, origin or key verifies nothing",
                        exact: false))
            } else if report.latest == nil && report.kept == nil {
                report.problems.append(
                    Problem(
                        sequence: nil,
                        message: "no checkpoint signed by \(auditor.verifier.name) covers this log: nothing in it is vouched for under this key",
                        exact: false))
            }
            // Exact findings first (they name the record), then ranges and checkpoint problems.
            report.problems.sort {
                ($0.exact ? 0 : 1, $0.sequence ?? .max) < ($1.exact ? 0 : 1, $1.sequence ?? .max)
            }
            return report
        }
    }

    /// The stored checkpoints from a size on, a page at a time.
    struct CheckpointPages {
        let store: any LedgerStore
        var page: [(size: Int, note: String)] = []
        var index = 0
        var next: Int
        var done = false

        init(store: any LedgerStore, from size: Int) {
            self.store = store
            self.next = size
        }

        mutating func peek() throws(LedgerError) -> (size: Int, note: String)? {
            if index == page.count && !done {
                page = try store.checkpoints(from: next, limit: 1000)
                index = 0
                done = page.count < 1000
                if let last = page.last { next = last.size + 1 }
            }
            return index < page.count ? page[index] : nil
        }

        mutating func advance() {
            index += 1
        }
    }
}

extension CompactRange {
    /// The edge of the tree over a store's stored leaf hashes, up to `size` or the first gap (then `size` is not
    /// reached, which the caller checks), read a range at a time.
    public init(_ store: any LedgerStore, upTo size: Int) throws(LedgerError) {
        while self.size < size {
            let before = self.size
            let range = Int64(before)..<Int64(min(before + 100_000, size))
            for (sequence, hash) in try store.leafHashes(in: range) where sequence == Int64(self.size) { append(hash) }
            if self.size == before { break }
        }
    }
}
