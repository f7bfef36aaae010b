import MingatePolicy
import NIOConcurrencyHelpers

/// The shapes (`RecordShape`) this process has written to one log, and at which sequence numbers: a store numbers a
/// commit's drafts through it, writing a `shape` entry before the first record of each shape it does not know.
///
/// It is a cache, never the truth: it starts empty, learns a shape only once the commit that wrote it is durable
/// (a commit that failed, or whose answer was lost, teaches it nothing), and forgets everything when it holds
/// `capacity` shapes. A shape written again after a restart, a failed commit or a full book is one more small
/// entry, never a wrong reference.
public final class ShapeBook: Sendable {
    /// Bounds the memory a caller sending ever-new body shapes can take: each new shape costs it one entry, as a
    /// version 1 record would have.
    static let capacity = 4096
    private let known = NIOLockedValueBox<Known>(Known())

    /// The shapes written, and for each route the one written or used last: most requests to a route have the
    /// shape of the one before, and checking that (`RecordShape.matches`) costs less than building a shape.
    struct Known {
        var shapes: [RecordShape: Int64] = [:]
        var latest: [Route: (shape: RecordShape, sequence: Int64)] = [:]
    }

    struct Route: Hashable {
        let partner: String?
        let purpose: String?
        let route: String?
        let method: String

        init(_ disclosure: Disclosure) {
            partner = disclosure.partner
            purpose = disclosure.purpose
            route = disclosure.route
            method = disclosure.method
        }
    }

    public init() {}

    /// A commit's entries, numbered, with the columns to store beside each, and the shapes it writes.
    struct Commit {
        var rows: [(entry: LedgerEntry, columns: IndexColumns)] = []
        fileprivate var written: [RecordShape: Int64] = [:]
        /// Shapes already written that this commit's records name, the last for each route.
        fileprivate var named: [Route: (shape: RecordShape, sequence: Int64)] = [:]
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
                reference = shapeReference(disclosure, known, &commit, &sequence, recordedAt: recordedAt)
            }
            commit.rows.append(
                (LedgerEntry(draft: draft, sequence: sequence, recordedAt: recordedAt, shape: reference), IndexColumns(draft, recordedAt: recordedAt)))
            sequence += 1
        }
        return commit
    }

    /// The sequence number of `disclosure`'s shape: its route's last shape when that matches, else a shape written
    /// before, else a shape entry added to the commit here, at `sequence`.
    private func shapeReference(
        _ disclosure: Disclosure, _ known: Known, _ commit: inout Commit, _ sequence: inout Int64, recordedAt: String
    ) -> Int64 {
        let route = Route(disclosure)
        if let latest = commit.named[route] ?? known.latest[route], latest.shape.matches(disclosure) == true {
            return latest.sequence
        }
        let shape = RecordShape(disclosure)
        let number: Int64
        if let written = known.shapes[shape] ?? commit.written[shape] {
            number = written
        } else {
            let shapeDraft = LedgerDraft.shape(shape, requestID: disclosure.requestID)
            commit.rows.append(
                (LedgerEntry(draft: shapeDraft, sequence: sequence, recordedAt: recordedAt), IndexColumns(shapeDraft, recordedAt: recordedAt)))
            commit.written[shape] = sequence
            number = sequence
            sequence += 1
        }
        commit.named[route] = (shape, number)
        return number
    }

    /// Called once `commit` is durable: later records of its shapes name its entries.
    func learn(_ commit: Commit) {
        guard !commit.named.isEmpty else { return }
        known.withLockedValue { known in
            if known.shapes.count + commit.written.count > Self.capacity || known.latest.count + commit.named.count > Self.capacity {
                known = Known()
            }
            known.shapes.merge(commit.written) { earlier, _ in earlier }
            known.latest.merge(commit.named) { _, newer in newer }
        }
    }
}
