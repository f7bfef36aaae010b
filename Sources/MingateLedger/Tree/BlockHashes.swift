import NIOConcurrencyHelpers

/// The roots of the log's complete blocks of 256 leaves, kept in memory by the process that writes the log (32
/// bytes per block: 625 KB for 5 million records), so an inclusion or consistency proof reads those and the leaf
/// hashes of at most three blocks instead of every leaf hash of the tree.
///
/// The writer keeps it in step with its own tree (`CompactRange`): built from the leaf hashes it loads at start,
/// extended by every commit, rebuilt with the tree when a commit that timed out landed after all. An append that does
/// not continue it makes it unusable until then (proofs read every leaf hash, as before). It is a cache: a proof
/// computed from it is checked by whoever verifies it against the signed checkpoint's root, like any other.
public final class BlockHashes: Sendable {
    public static let leaves = 256

    private struct State {
        var blocks: [MerkleTree.Hash] = []
        /// The leaf hashes of the block being filled.
        var pending: [MerkleTree.Hash] = []
        var usable = false
        var size: Int { blocks.count * BlockHashes.leaves + pending.count }
    }

    private let state = NIOLockedValueBox(State())

    public init() {}

    /// After a load: the blocks of the log's leaves, all of them.
    public func reset(_ leaves: [MerkleTree.Hash]) {
        var fresh = State()
        fresh.blocks.reserveCapacity(leaves.count / Self.leaves + 1)
        var start = 0
        while start + Self.leaves <= leaves.count {
            fresh.blocks.append(MerkleTree.root(leaves[start..<start + Self.leaves]))
            start += Self.leaves
        }
        fresh.pending = Array(leaves[start...])
        fresh.usable = true
        state.withLockedValue { $0 = fresh }
    }

    /// After an append: its entries, which must continue the log where the blocks end.
    func extend(_ entries: [LedgerEntry]) {
        state.withLockedValue { state in
            guard state.usable, let first = entries.first else { return }
            guard first.sequence == Int64(state.size) else {
                state = State()
                return
            }
            for entry in entries {
                state.pending.append(entry.leafHash)
                if state.pending.count == Self.leaves {
                    state.blocks.append(MerkleTree.root(state.pending[...]))
                    state.pending.removeAll(keepingCapacity: true)
                }
            }
        }
    }

    /// The complete blocks' roots, as far as they reach; nil when unusable.
    var snapshot: [MerkleTree.Hash]? {
        state.withLockedValue { $0.usable ? $0.blocks : nil }
    }
}

/// MTH over any range of a tree's leaves from block roots and the leaf hashes of a few blocks: what
/// `MerkleTree.inclusionProof(_:size:subtree:)` and `consistencyProof(_:size:subtree:)` ask for.
struct BlockSubtrees {
    let blocks: [MerkleTree.Hash]
    /// Leaf hashes of the blocks read, by block number.
    let leaves: [Int: [MerkleTree.Hash]]

    /// The blocks whose leaves a proof for `size` touching leaf `indexes` needs: those of the indexes and the last,
    /// partial, block. Every other subtree on the proof's paths is a complete aligned one, read from `blocks`.
    static func blocksNeeded(size: Int, indexes: [Int]) -> Set<Int> {
        var needed = Set(indexes.filter { $0 >= 0 && $0 < size }.map { $0 / BlockHashes.leaves })
        if size % BlockHashes.leaves != 0 { needed.insert(size / BlockHashes.leaves) }
        return needed
    }

    /// MTH(D[range]); nil when it needs leaves that were not read.
    func root(_ range: Range<Int>) -> MerkleTree.Hash? {
        let width = BlockHashes.leaves
        let count = range.count
        if count >= width, count & (count - 1) == 0, range.lowerBound % width == 0, range.upperBound / width <= blocks.count {
            return MerkleTree.root(blocks[(range.lowerBound / width)..<(range.upperBound / width)])
        }
        let block = range.lowerBound / width
        if (range.upperBound - 1) / width == block {
            guard let hashes = leaves[block], range.upperBound - block * width <= hashes.count else { return nil }
            return MerkleTree.root(hashes[(range.lowerBound - block * width)..<(range.upperBound - block * width)])
        }
        let middle = range.lowerBound + MerkleTree.split(count)
        guard let left = root(range.lowerBound..<middle), let right = root(middle..<range.upperBound) else { return nil }
        return MerkleTree.nodeHash(left, right)
    }
}
