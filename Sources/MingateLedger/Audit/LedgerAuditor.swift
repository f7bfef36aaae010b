import Foundation
import MingatePolicy

/// Recomputes a ledger from its stored entries and checks it against its signed checkpoints.
///
/// What it finds: an entry whose bytes no longer match its leaf hash (edited); a missing or repeated sequence
/// number (deleted, inserted); an entry whose embedded `seq` is not its position (reordered); a checkpoint whose
/// signature does not verify (forged); a checkpoint whose root the entries no longer produce (entries edited
/// together with their hashes); two checkpoints that are not consistent.
public struct LedgerAuditor: Sendable {
    public let verifier: NoteVerifier

    public init(verifier: NoteVerifier) {
        self.verifier = verifier
    }

    public struct Report: Sendable {
        public var entries = 0
        public var checkpoints = 0
        /// The largest tree size covered by a verified checkpoint.
        public var verifiedSize = 0
        public var latest: Checkpoint?
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

    public func verify(_ store: any LedgerStore, progress: ((Int) -> Void)? = nil) throws(LedgerError) -> Report {
        var report = Report()
        var leaves: [MerkleTree.Hash] = []
        var expected: Int64 = 0
        var previousTime = ""
        let stored = Dictionary(
            try store.leafHashes(in: 0..<Int64.max).map { ($0.sequence, $0.hash) }, uniquingKeysWith: { a, _ in a })
        let last = stored.keys.max() ?? -1
        let batch: Int64 = 10_000
        var start: Int64 = 0
        while start <= last {
            for entry in try store.entries(in: start..<start + batch) {
                if entry.sequence != expected {
                    report.problems.append(
                        Problem(
                            sequence: expected,
                            message: "missing: record(s) \(expected)…\(entry.sequence - 1) were deleted"))
                    expected = entry.sequence
                }
                let hash = entry.leafHash
                if stored[entry.sequence] != hash {
                    report.problems.append(
                        Problem(sequence: entry.sequence, message: "edited: the record's bytes do not match its leaf hash"))
                }
                if let document = entry.document {
                    if document["seq"] != .number(JSONNumber(Int(entry.sequence))) {
                        let says = document["seq"].map { JSONWriter().string($0) } ?? "?"
                        report.problems.append(
                            Problem(sequence: entry.sequence, message: "moved: the record says it is record \(says)"))
                    }
                    if let time = document["time"]?.stringValue {
                        if time < previousTime {
                            report.problems.append(
                                Problem(sequence: entry.sequence, message: "out of order: earlier than the record before"))
                        }
                        previousTime = time
                    }
                } else {
                    report.problems.append(
                        Problem(sequence: entry.sequence, message: "unreadable: not the canonical JSON encoding"))
                }
                leaves.append(hash)
                expected += 1
                report.entries += 1
            }
            progress?(report.entries)
            start += batch
        }

        var previous: Checkpoint?
        for (size, note) in try store.checkpoints() {
            report.checkpoints += 1
            guard let text = verifier.verify(note), let checkpoint = try? Checkpoint(text: text) else {
                report.problems.append(Problem(sequence: nil, message: "checkpoint at size \(size): the signature does not verify with \(verifier.name)'s key (forged or signed by another key)", exact: false))
                continue
            }
            guard checkpoint.size == size else {
                report.problems.append(Problem(sequence: nil, message: "checkpoint at size \(size) says size \(checkpoint.size)", exact: false))
                continue
            }
            guard size <= leaves.count else {
                report.problems.append(Problem(sequence: Int64(leaves.count), message: "checkpoint at size \(size) covers records that are missing (the log holds \(leaves.count))"))
                continue
            }
            let root = MerkleTree.root(leaves[0..<size])
            if root != checkpoint.root {
                let from = previous?.size ?? 0
                report.problems.append(
                    Problem(
                        sequence: Int64(from),
                        message: "the signed root at size \(size) does not match: a record in \(from)…\(size - 1) was changed",
                        exact: false))
                continue
            }
            if let previous {
                let proof = MerkleTree.consistencyProof(previous.size, leaves[0..<size])
                if !MerkleTree.verifyConsistency(first: previous.size, second: size, proof: proof, firstRoot: previous.root, secondRoot: checkpoint.root) {
                    report.problems.append(Problem(sequence: nil, message: "checkpoints at \(previous.size) and \(size) are not consistent", exact: false))
                }
            }
            previous = checkpoint
            report.verifiedSize = size
            report.latest = checkpoint
        }
        // Exact findings first (they name the record), then ranges and checkpoint problems.
        report.problems.sort {
            ($0.exact ? 0 : 1, $0.sequence ?? .max) < ($1.exact ? 0 : 1, $1.sequence ?? .max)
        }
        return report
    }
}
