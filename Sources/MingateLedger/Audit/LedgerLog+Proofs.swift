import Foundation

/// Proofs read from a running log, for the audit API and the audit tools alike.
///
/// Both recompute the subtree roots they need from the stored leaf hashes up to the checkpoint (32 bytes a record,
/// read in one range): linear in the log's size per proof.
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
        let leaves = try await leaves(upTo: latest.size)
        return InclusionReceipt(
            index: Int(sequence), record: entry.encoded, proof: MerkleTree.inclusionProof(Int(sequence), leaves[...]),
            checkpointNote: latest.note)
    }

    /// A consistency proof from tree size `old` to the stored checkpoint of size `new` (1 ≤ old ≤ new).
    public func consistency(from old: Int, to new: Int) async throws(LedgerError) -> ConsistencyProof {
        guard old > 0, old <= new else {
            throw LedgerError(.notFound, "a consistency proof goes from a non-empty tree to one at least as large")
        }
        guard let (_, note) = try await checkpoints().first(where: { $0.size == new }) else {
            throw LedgerError(.notFound, "no signed checkpoint of size \(new); `GET /audit/checkpoint` names the latest")
        }
        return ConsistencyProof(oldSize: old, proof: MerkleTree.consistencyProof(old, try await leaves(upTo: new)[...]), checkpointNote: note)
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
