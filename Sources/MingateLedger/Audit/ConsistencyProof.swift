import Foundation

/// An RFC 9162 §2.1.4 consistency proof from an older tree size to a signed checkpoint, in the text shape of the
/// c2sp.org/tlog-witness `add-checkpoint` body, so a witness could take it as it is:
///
/// ```
/// old 1000
/// <base64 hash of the proof>…
///
/// <signed checkpoint note of the newer tree>
/// ```
/// With the older checkpoint the auditor kept, `verify` shows the newer tree extends it: nothing in the first `old`
/// records was changed, removed or reordered since.
public struct ConsistencyProof: Sendable {
    public let oldSize: Int
    public let proof: [MerkleTree.Hash]
    public let checkpointNote: String

    public init(oldSize: Int, proof: [MerkleTree.Hash], checkpointNote: String) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpointNote = checkpointNote
    }

    public var text: String {
        TlogText.write(head: "old \(oldSize)\n", proof: proof, note: checkpointNote)
    }

    /// Parses the text strictly: `old` in decimal with no sign or leading zero, one strict base64 SHA-256 hash a
    /// line, one empty line, a well-formed signed note.
    public init(text: String) throws(LedgerError) {
        func malformed(_ why: String) -> LedgerError { LedgerError(.badCheckpoint, "not a consistency proof: \(why)") }
        var (lines, note) = try TlogText.split(text, malformed)
        guard let first = lines.popFirst(), first.hasPrefix("old ") else { throw malformed("the first line is not `old N`") }
        guard let oldSize = TlogText.decimal(first.dropFirst(4)) else {
            throw malformed("the old size is not a decimal number without sign or leading zeros")
        }
        self.init(oldSize: oldSize, proof: try TlogText.hashes(lines, malformed), checkpointNote: note)
    }

    /// Checks the newer checkpoint's signature and origin and the proof against the older checkpoint; returns the
    /// newer checkpoint.
    public func verify(from old: Checkpoint, with verifier: NoteVerifier) throws(LedgerError) -> Checkpoint {
        guard let text = verifier.verify(checkpointNote) else {
            throw LedgerError(.badCheckpoint, "the newer checkpoint's signature does not verify with \(verifier.name)'s key")
        }
        let new = try Checkpoint(text: text)
        guard new.origin == verifier.name, old.origin == verifier.name else {
            throw LedgerError(.badCheckpoint, "the checkpoints are for origins \(old.origin) and \(new.origin), not \(verifier.name)")
        }
        guard old.size == oldSize else {
            throw LedgerError(.badCheckpoint, "the proof starts at size \(oldSize), the older checkpoint has size \(old.size)")
        }
        guard MerkleTree.verifyConsistency(first: old.size, second: new.size, proof: proof, firstRoot: old.root, secondRoot: new.root) else {
            throw LedgerError(.badCheckpoint, "the tree at size \(new.size) does not extend the tree at size \(old.size): the log was rewritten")
        }
        return new
    }
}
