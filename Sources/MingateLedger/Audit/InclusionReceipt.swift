import Foundation
import MingatePolicy

/// An offline receipt for one record, exactly in the c2sp.org/tlog-proof@v1 form: the record itself as the
/// `extra` data, its index, its inclusion proof and a signed checkpoint. `verify` needs only the log's verifier key,
/// no database: the leaf hash is computed from `extra`, so the receipt also says what was recorded.
///
/// ```
/// c2sp.org/tlog-proof@v1
/// extra <base64 canonical record>
/// index 41
/// <base64 hash of the proof>…
///
/// <signed checkpoint note>
/// ```
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

    public var text: String {
        TlogText.write(head: "\(Self.header)\nextra \(Data(record).base64EncodedString())\nindex \(index)\n", proof: proof, note: checkpointNote)
    }

    /// Parses a receipt strictly by c2sp.org/tlog-proof@v1: the header line; an optional `extra` line (Mingate's
    /// receipts carry the record there, and `verify` needs it); `index` in decimal with no sign or leading zero; one
    /// strict base64 SHA-256 hash per proof line; one empty line; then the checkpoint as a well-formed signed note.
    public init(text: String) throws(LedgerError) {
        func malformed(_ why: String) -> LedgerError { LedgerError(.badCheckpoint, "not a \(Self.header) receipt: \(why)") }
        var (lines, note) = try TlogText.split(text, malformed)
        guard lines.popFirst() == Substring(Self.header) else { throw malformed("the first line is not \(Self.header)") }
        var record: [UInt8] = []
        if let line = lines.first, line.hasPrefix("extra ") {
            guard let data = Data(base64Encoded: String(line.dropFirst(6))), !data.isEmpty else {
                throw malformed("the extra line is not base64")
            }
            record = Array(data)
            lines.removeFirst()
        }
        guard let indexLine = lines.popFirst(), indexLine.hasPrefix("index ") else { throw malformed("no index line") }
        guard let index = TlogText.decimal(indexLine.dropFirst(6)) else {
            throw malformed("the index is not a decimal number without sign or leading zeros")
        }
        self.init(index: index, record: record, proof: try TlogText.hashes(lines, malformed), checkpointNote: note)
    }

    /// Checks the signature, the proof and the record's own sequence number; returns the checkpoint.
    public func verify(with verifier: NoteVerifier) throws(LedgerError) -> Checkpoint {
        guard !record.isEmpty else {
            throw LedgerError(.badCheckpoint, "the receipt carries no record in its extra line, so there is nothing to check")
        }
        guard let text = verifier.verify(checkpointNote) else {
            throw LedgerError(.badCheckpoint, "the checkpoint's signature does not verify with \(verifier.name)'s key")
        }
        let checkpoint = try Checkpoint(text: text)
        guard checkpoint.origin == verifier.name else {
            throw LedgerError(.badCheckpoint, "the checkpoint is for origin \(checkpoint.origin), not \(verifier.name)")
        }
        guard MerkleTree.verifyInclusion(index: index, size: checkpoint.size, leaf: MerkleTree.leafHash(record), proof: proof, root: checkpoint.root) else {
            throw LedgerError(.badCheckpoint, "the record is not included in the checkpoint (record or proof altered)")
        }
        guard EntryHead(record)?.seq == Int64(index) else {
            throw LedgerError(.badCheckpoint, "the record does not say it is record \(index)")
        }
        return checkpoint
    }
}
