import NIOConcurrencyHelpers

/// The shapes (`RecordShape`) this process has written to one log, and at which sequence numbers: a store numbers a
/// commit's drafts through it, writing a `shape` entry before the first record of each shape it does not know.
///
/// It is a cache, never the truth: it starts empty, learns a shape only once the commit that wrote it is durable,
/// and forgets everything when it holds `capacity` shapes. A shape written again after a restart, a failed commit
/// or a full book is one more small entry, never a wrong reference.
public final class ShapeBook: Sendable {
    /// Bounds the memory a caller sending ever-new body shapes can take: each new shape costs it one entry, as a
    /// version 1 record would have.
    static let capacity = 4096
    private let known = NIOLockedValueBox<[RecordShape: Int64]>([:])

    public init() {}

    /// A commit's entries, numbered, with the columns to store beside each, and the shapes it writes.
    struct Commit {
        var rows: [(entry: LedgerEntry, columns: IndexColumns)] = []
        fileprivate var written: [RecordShape: Int64] = [:]
        /// The entries, shapes included, in sequence order.
        var entries: [LedgerEntry] { rows.map(\.entry) }
    }

    /// Numbers `drafts` from `first`, each disclosure preceded by its shape's entry when this log has none yet.
    func plan(_ drafts: [LedgerDraft], from first: Int64, recordedAt: String) -> Commit {
        let known = self.known.withLockedValue { $0 }
        var commit = Commit()
        commit.rows.reserveCapacity(drafts.count + 1)
        var sequence = first
        for draft in drafts {
            var reference: Int64?
            if case .disclosure(let disclosure) = draft {
                let shape = RecordShape(disclosure)
                if let written = known[shape] ?? commit.written[shape] {
                    reference = written
                } else {
                    let shapeDraft = LedgerDraft.shape(shape, requestID: disclosure.requestID)
                    commit.rows.append(
                        (LedgerEntry(draft: shapeDraft, sequence: sequence, recordedAt: recordedAt), IndexColumns(shapeDraft, recordedAt: recordedAt)))
                    commit.written[shape] = sequence
                    reference = sequence
                    sequence += 1
                }
            }
            commit.rows.append(
                (LedgerEntry(draft: draft, sequence: sequence, recordedAt: recordedAt, shape: reference), IndexColumns(draft, recordedAt: recordedAt)))
            sequence += 1
        }
        return commit
    }

    /// Called once `commit` is durable: later records of its shapes name its entries.
    func learn(_ commit: Commit) {
        guard !commit.written.isEmpty else { return }
        known.withLockedValue { known in
            if known.count + commit.written.count > Self.capacity { known = [:] }
            known.merge(commit.written) { earlier, _ in earlier }
        }
    }

    /// After a commit whose outcome is unknown (it may have landed at other numbers): forget everything.
    func forget() {
        known.withLockedValue { $0 = [:] }
    }
}
