import Foundation
import Testing

@testable import MingateLedger

/// Proofs from block roots and the leaves of a few blocks are the proofs computed from every leaf.
@Suite struct BlockHashesTests {
    static func leaves(_ count: Int) -> [MerkleTree.Hash] {
        (0..<count).map { MerkleTree.leafHash(Array("leaf \($0)".utf8)) }
    }

    /// The subtrees of a tree of `size` from blocks built the way the gateway builds them: a load, then appends.
    static func subtrees(_ all: [MerkleTree.Hash], size: Int, loaded: Int, touching indexes: [Int]) -> BlockSubtrees {
        let blocks = BlockHashes()
        blocks.reset(Array(all[..<loaded]))
        var next = loaded
        while next < all.count {
            let end = min(all.count, next + 37)
            blocks.extend((next..<end).map { LedgerEntry(sequence: Int64($0), kind: .outcome, recordedAt: "", requestID: "", encoded: Array("leaf \($0)".utf8)) })
            next = end
        }
        var leaves: [Int: [MerkleTree.Hash]] = [:]
        for block in BlockSubtrees.blocksNeeded(size: size, indexes: indexes) {
            let start = block * BlockHashes.leaves
            leaves[block] = Array(all[start..<min(start + BlockHashes.leaves, size)])
        }
        return BlockSubtrees(blocks: try! #require(blocks.snapshot), leaves: leaves)
    }

    @Test func inclusionAndConsistencyProofsMatchTheLinearOnes() {
        let all = Self.leaves(3 * 1024 + 77)
        var random = SystemRandomNumberGenerator()
        for size in [1, 2, 255, 256, 257, 511, 512, 513, 1000, 1024, 1025, 2048, 3 * 1024 + 77] {
            for index in Set([0, size - 1, size / 2, 255, 256, Int.random(in: 0..<size, using: &random)]) where index < size {
                let subtrees = Self.subtrees(all, size: size, loaded: min(all.count, 700), touching: [index])
                let fromBlocks = MerkleTree.inclusionProof(index, size: size, subtree: subtrees.root)
                #expect(fromBlocks == MerkleTree.inclusionProof(index, all[..<size]), "inclusion of \(index) in \(size)")
                #expect(MerkleTree.verifyInclusion(index: index, size: size, leaf: all[index], proof: fromBlocks ?? [], root: MerkleTree.root(all[..<size])))
            }
            for old in Set([1, size / 3, 255, 256, 257, size - 1, Int.random(in: 1...size, using: &random)]) where old >= 1 && old <= size {
                let subtrees = Self.subtrees(all, size: size, loaded: 512, touching: [old - 1, old])
                let fromBlocks = MerkleTree.consistencyProof(old, size: size, subtree: subtrees.root)
                #expect(fromBlocks == MerkleTree.consistencyProof(old, all[..<size]), "consistency \(old) → \(size)")
                #expect(
                    MerkleTree.verifyConsistency(
                        first: old, second: size, proof: fromBlocks ?? [], firstRoot: MerkleTree.root(all[..<old]), secondRoot: MerkleTree.root(all[..<size])))
            }
        }
    }

    @Test func theWriterKeepsTheBlocksInStepAndProofsFromThemMatch() async throws {
        let path = LedgerWriterTests.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let signer = NoteSigner.generate(name: "test.mingate/blocks")
        let log = BlockingLedgerLog(store: try SQLiteLedgerStore(path: path))
        let writer = LedgerWriter(log: log, checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
        try await writer.running { writer in
            for index in 0..<600 { _ = try await writer.append(LedgerWriterTests.disclosure(index)) }
            #expect(log.blocks?.snapshot?.count == 601 / BlockHashes.leaves, "601 records (a shape first): two complete blocks")
            for _ in 0..<100 where writer.unsignedEntries > 0 { try await Task.sleep(for: .milliseconds(20)) }
            let checkpoint = try #require(try await log.latestCheckpoint())
            #expect(checkpoint.size == 601, "every record signed before the receipts are asked for")
            for record: Int64 in [0, 255, 256, 300, Int64(checkpoint.size) - 1] {
                let fromBlocks = try await log.receipt(for: record)
                let fromLeaves = try await BlockingLedgerLog.using(try SQLiteLedgerStore(path: path)) { try await $0.receipt(for: record) }
                #expect(fromBlocks.text == fromLeaves.text, "record \(record)")
                #expect(try InclusionReceipt(text: fromBlocks.text).verify(with: signer.verifier).size == checkpoint.size)
            }
        }
    }

    @Test func anAppendOutOfStepMakesTheBlocksUnusable() {
        let blocks = BlockHashes()
        blocks.reset(Self.leaves(300))
        #expect(blocks.snapshot?.count == 1)
        blocks.extend([LedgerEntry(sequence: 301, kind: .outcome, recordedAt: "", requestID: "", encoded: [1])])
        #expect(blocks.snapshot == nil, "a gap: proofs read every leaf until the next load")
    }
}
