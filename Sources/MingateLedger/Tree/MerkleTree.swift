import Crypto

/// RFC 6962 / RFC 9162 Merkle tree hashing over leaf hashes: roots, inclusion and consistency proofs and their
/// verification. Leaves are `SHA-256(0x00 ‖ entry)`, interior nodes `SHA-256(0x01 ‖ left ‖ right)`, the empty
/// tree `SHA-256("")`.
public enum MerkleTree {
    public typealias Hash = [UInt8]

    public static let emptyRoot: Hash = Array(SHA256.hash(data: [UInt8]()))

    public static func leafHash(_ data: [UInt8]) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0x00])
        hasher.update(data: data)
        return Array(hasher.finalize())
    }

    public static func nodeHash(_ left: Hash, _ right: Hash) -> Hash {
        var hasher = SHA256()
        hasher.update(data: [0x01])
        hasher.update(data: left)
        hasher.update(data: right)
        return Array(hasher.finalize())
    }

    /// The largest power of two smaller than `n` (n ≥ 2): where RFC 6962 splits a tree.
    static func split(_ n: Int) -> Int {
        var k = 1
        while k << 1 < n { k <<= 1 }
        return k
    }

    /// MTH(D[n]): the root of the tree over `leaves`.
    public static func root(_ leaves: ArraySlice<Hash>) -> Hash {
        switch leaves.count {
        case 0: return emptyRoot
        case 1: return leaves[leaves.startIndex]
        default:
            let k = split(leaves.count)
            let middle = leaves.startIndex + k
            return nodeHash(root(leaves[leaves.startIndex..<middle]), root(leaves[middle...]))
        }
    }

    /// PATH(m, D[n]): the inclusion proof of leaf `index` in the tree over `leaves`.
    public static func inclusionProof(_ index: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        let start = leaves.startIndex
        return inclusionProof(index, size: leaves.count) { root(leaves[(start + $0.lowerBound)..<(start + $0.upperBound)]) } ?? []
    }

    /// PROOF(m, D[n]): the consistency proof between the first `m` leaves and all of `leaves`.
    public static func consistencyProof(_ m: Int, _ leaves: ArraySlice<Hash>) -> [Hash] {
        let start = leaves.startIndex
        return consistencyProof(m, size: leaves.count) { root(leaves[(start + $0.lowerBound)..<(start + $0.upperBound)]) } ?? []
    }

    /// PATH(index, D[size]) from `subtree`, which gives MTH of the leaves in a range (or nil when it cannot): a log
    /// answers it from stored block roots for the large complete subtrees and from leaf hashes for the rest
    /// (`BlockHashes`). Nil when `subtree` gave none.
    public static func inclusionProof(_ index: Int, size: Int, subtree: (Range<Int>) -> Hash?) -> [Hash]? {
        guard size > 1, index >= 0, index < size else { return [] }
        func path(_ m: Int, _ range: Range<Int>) -> [Hash]? {
            guard range.count > 1 else { return [] }
            let middle = range.lowerBound + split(range.count)
            if m < middle - range.lowerBound {
                guard let rest = path(m, range.lowerBound..<middle), let right = subtree(middle..<range.upperBound) else { return nil }
                return rest + [right]
            }
            guard let rest = path(m - (middle - range.lowerBound), middle..<range.upperBound), let left = subtree(range.lowerBound..<middle)
            else { return nil }
            return rest + [left]
        }
        return path(index, 0..<size)
    }

    /// PROOF(m, D[size]) from `subtree`, as `inclusionProof(_:size:subtree:)`.
    public static func consistencyProof(_ m: Int, size: Int, subtree: (Range<Int>) -> Hash?) -> [Hash]? {
        guard m > 0, m < size else { return [] }
        func subproof(_ m: Int, _ range: Range<Int>, complete: Bool) -> [Hash]? {
            if m == range.count {
                guard !complete else { return [] }
                return subtree(range).map { [$0] }
            }
            let middle = range.lowerBound + split(range.count)
            if m <= middle - range.lowerBound {
                guard let rest = subproof(m, range.lowerBound..<middle, complete: complete), let right = subtree(middle..<range.upperBound)
                else { return nil }
                return rest + [right]
            }
            guard let rest = subproof(m - (middle - range.lowerBound), middle..<range.upperBound, complete: false),
                let left = subtree(range.lowerBound..<middle)
            else { return nil }
            return rest + [left]
        }
        return subproof(m, 0..<size, complete: true)
    }

    /// Verifies an inclusion proof (RFC 9162 §2.1.3.2). The leaf and every proof hash must be SHA-256 hashes (32
    /// bytes); the root computed from them is compared with `root` byte for byte.
    public static func verifyInclusion(index: Int, size: Int, leaf: Hash, proof: [Hash], root: Hash) -> Bool {
        guard index >= 0, index < size, leaf.count == 32, proof.allSatisfy({ $0.count == 32 }) else { return false }
        var fn = index
        var sn = size - 1
        var r = leaf
        for p in proof {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                r = nodeHash(p, r)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = nodeHash(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        return sn == 0 && r == root
    }

    /// Verifies a consistency proof (RFC 9162 §2.1.4.2). Every proof hash must be a SHA-256 hash (32 bytes), and the
    /// older tree must not be empty: every log extends the empty tree, so such a "proof" proves nothing and is
    /// refused, as transparency-dev/merkle's vectors require.
    public static func verifyConsistency(first: Int, second: Int, proof: [Hash], firstRoot: Hash, secondRoot: Hash)
        -> Bool
    {
        guard first > 0, first <= second, proof.allSatisfy({ $0.count == 32 }) else { return false }
        if first == second { return proof.isEmpty && firstRoot == secondRoot }
        guard !proof.isEmpty else { return false }
        var path = proof
        if first & (first - 1) == 0 { path.insert(firstRoot, at: 0) }
        var fn = first - 1
        var sn = second - 1
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        var fr = path[0]
        var sr = path[0]
        for c in path.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = nodeHash(c, fr)
                sr = nodeHash(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = nodeHash(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        return fr == firstRoot && sr == secondRoot && sn == 0
    }
}

/// The right edge of a growing tree: one hash per complete subtree, enough to append and to compute the root in
/// O(log n). The ledger writer keeps one so a checkpoint costs no read.
public struct CompactRange: Sendable {
    public private(set) var size: Int = 0
    /// Roots of the perfect subtrees, largest first.
    private var peaks: [MerkleTree.Hash] = []

    public init() {}

    /// The edge of the tree over `leaves`.
    public init(_ leaves: [MerkleTree.Hash]) {
        for leaf in leaves { append(leaf) }
    }

    public mutating func append(_ leaf: MerkleTree.Hash) {
        var hash = leaf
        var count = size
        while count & 1 == 1 {
            hash = MerkleTree.nodeHash(peaks.removeLast(), hash)
            count >>= 1
        }
        peaks.append(hash)
        size += 1
    }

    public var root: MerkleTree.Hash {
        guard var hash = peaks.last else { return MerkleTree.emptyRoot }
        for peak in peaks.dropLast().reversed() { hash = MerkleTree.nodeHash(peak, hash) }
        return hash
    }
}
