import Foundation
import MingatePolicy

/// An offline receipt for one record: the record, its inclusion proof and a signed checkpoint, in the shape of
/// c2sp.org/tlog-proof. `verify` needs only the log's verifier key, no database.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// index 41
/// <base64 hash of the proof>…
///
/// <signed checkpoint note>
/// ```
/// Mingate adds the record itself before the proof, as `record <base64 canonical bytes>`, so the receipt also
/// says what was recorded.
public struct InclusionReceipt: Sendable {
    public let index: Int
    public let record: [UInt8]
    public let proof: [MerkleTree.Hash]
    public let checkpointNote: String

    public static let header = "c2sp.org/tlog-proof@v1"

    public init(index: Int, record: [UInt8], proof: [MerkleTree.Hash], checkpointNote: String) {
        self.index = index
        self.record = record
        self.proof = proof
        self.checkpointNote = checkpointNote
    }

    /// Builds a receipt for `sequence` against the latest checkpoint that covers it.
    public static func make(for sequence: Int64, from store: any LedgerStore) throws(LedgerError) -> InclusionReceipt {
        guard sequence >= 0, sequence < Int64.max else { throw LedgerError(.notFound, "no record \(sequence)") }
        guard let entry = try store.entries(in: sequence..<sequence + 1).first else {
            throw LedgerError(.notFound, "no record \(sequence)")
        }
        guard let (size, note) = try store.checkpoints().last(where: { Int64($0.size) > sequence }) else {
            throw LedgerError(.notFound, "no checkpoint covers record \(sequence) yet; try again after the next checkpoint")
        }
        let leaves = try store.leafHashes(in: 0..<Int64(size)).map(\.hash)
        return InclusionReceipt(
            index: Int(sequence), record: entry.encoded,
            proof: MerkleTree.inclusionProof(Int(sequence), leaves[0..<size]), checkpointNote: note)
    }

    public var text: String {
        var out = "\(Self.header)\nrecord \(Data(record).base64EncodedString())\nindex \(index)\n"
        for hash in proof { out += Data(hash).base64EncodedString() + "\n" }
        return out + "\n" + checkpointNote
    }

    public init(text: String) throws(LedgerError) {
        guard let split = text.range(of: "\n\n") else { throw LedgerError(.badCheckpoint, "a receipt has a proof, a blank line, a checkpoint") }
        let lines = text[..<split.lowerBound].split(separator: "\n")
        guard lines.count >= 3, lines[0] == Self.header, lines[1].hasPrefix("record "), lines[2].hasPrefix("index "),
            let record = Data(base64Encoded: String(lines[1].dropFirst(7))), let index = Int(lines[2].dropFirst(6))
        else { throw LedgerError(.badCheckpoint, "not a \(Self.header) receipt") }
        var proof: [MerkleTree.Hash] = []
        for line in lines.dropFirst(3) {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw LedgerError(.badCheckpoint, "a proof line is not a base64 SHA-256 hash")
            }
            proof.append(Array(hash))
        }
        self.init(index: index, record: Array(record), proof: proof, checkpointNote: String(text[split.upperBound...]))
    }

    /// Checks the signature, the proof and the record's own sequence number; returns the checkpoint.
    public func verify(with verifier: NoteVerifier) throws(LedgerError) -> Checkpoint {
        guard let text = verifier.verify(checkpointNote) else {
            throw LedgerError(.badCheckpoint, "the checkpoint's signature does not verify with \(verifier.name)'s key")
        }
        let checkpoint = try Checkpoint(text: text)
        guard MerkleTree.verifyInclusion(index: index, size: checkpoint.size, leaf: MerkleTree.leafHash(record), proof: proof, root: checkpoint.root) else {
            throw LedgerError(.badCheckpoint, "the record is not included in the checkpoint (record or proof altered)")
        }
        guard let document = try? JSONParser().parse(record), document["seq"] == .number(JSONNumber(index)) else {
            throw LedgerError(.badCheckpoint, "the record does not say it is record \(index)")
        }
        return checkpoint
    }
}
