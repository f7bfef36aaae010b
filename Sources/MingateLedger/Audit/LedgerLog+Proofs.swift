import Foundation

/// Proofs read from a running log, for the audit API and the audit tools alike.
///
/// A log that keeps its block roots (`BlockHashes`: the gateway's, which writes the log) answers from them and the
/// leaf hashes of at most three blocks; otherwise (the tools, or blocks out of step) from every stored leaf hash up
/// to the checkpoint, 32 bytes a record: linear in the log's size.
extension LedgerLog {
    /// An offline receipt for one record against the latest checkpoint, which covers it.
    public func receipt(for sequence: Int64) async throws(LedgerError) -> InclusionReceipt {
        guard sequence >= 0, sequence < Int64.max else { throw LedgerError(.notFound, "no record \(sequence)") }
        guard let entry = try await entries(in: sequence..<sequence + 1).first else {
            throw LedgerError(.notFound, "no record \(sequence)")
        }
        guard let latest = try await latestCheckpoint(), Int64(latest.size) > sequence else {
            throw LedgerError(.notFound, "no checkpoint covers record \(sequence) yet; one is signed within the checkpoint interval")
        }
        let proof = try await proof(size: latest.size, touching: [Int(sequence)]) { subtree in
            MerkleTree.inclusionProof(Int(sequence), size: latest.size, subtree: subtree)
        }
        return InclusionReceipt(index: Int(sequence), record: entry.encoded, proof: proof, checkpointNote: latest.note)
    }

    /// A consistency proof from tree size `old` to the stored checkpoint of size `new` (1 ≤ old ≤ new).
    public func consistency(from old: Int, to new: Int) async throws(LedgerError) -> ConsistencyProof {
        guard old > 0, old <= new else {
            throw LedgerError(.notFound, "a consistency proof goes from a non-empty tree to one at least as large")
        }
        guard let (_, note) = try await checkpoints().first(where: { $0.size == new }) else {
            throw LedgerError(.notFound, "no signed checkpoint of size \(new); `GET /audit/checkpoint` names the latest")
        }
        let proof = try await proof(size: new, touching: [old - 1, old]) { subtree in
            MerkleTree.consistencyProof(old, size: new, subtree: subtree)
        }
        return ConsistencyProof(oldSize: old, proof: proof, checkpointNote: note)
    }

    /// A proof over the tree of `size` leaves, from the block roots and the leaves of the blocks it touches when the
    /// log keeps them, else from every leaf hash.
    private func proof(size: Int, touching indexes: [Int], _ make: ((Range<Int>) -> MerkleTree.Hash?) -> [MerkleTree.Hash]?)
        async throws(LedgerError) -> [MerkleTree.Hash]
    {
        if let blocks = blocks?.snapshot, blocks.count * BlockHashes.leaves + BlockHashes.leaves > size {
            var leaves: [Int: [MerkleTree.Hash]] = [:]
            for block in BlockSubtrees.blocksNeeded(size: size, indexes: indexes) {
                let start = block * BlockHashes.leaves
                leaves[block] = try await leafHashes(in: Int64(start)..<Int64(min(start + BlockHashes.leaves, size)))
            }
            if let proof = make(BlockSubtrees(blocks: blocks, leaves: leaves).root) { return proof }
        }
        let all = try await self.leaves(upTo: size)
        return make { MerkleTree.root(all[$0]) } ?? []
    }

    /// The leaf hashes of a checkpoint's tree; a log holding fewer than its checkpoint says so instead of proving
    /// against a shorter tree.
    private func leaves(upTo size: Int) async throws(LedgerError) -> [MerkleTree.Hash] {
        let leaves = try await leafHashes(in: 0..<Int64(size))
        guard leaves.count == size else {
            throw LedgerError(.storeFailed, "the log holds \(leaves.count) of the \(size) records its checkpoint covers; run `mingate audit verify`")
        }
        return leaves
    }
}

extension BlockingLedgerLog {
    /// Runs `body` with a log over a store already open (the tools), started before and shut down after.
    public static func using<T: Sendable>(_ store: any LedgerStore, _ body: (BlockingLedgerLog) async throws -> T) async throws -> T {
        let log = BlockingLedgerLog(store: store)
        await log.start()
        do {
            let result = try await body(log)
            await log.shutdown()
            return result
        } catch {
            await log.shutdown()
            throw error
        }
    }
}
