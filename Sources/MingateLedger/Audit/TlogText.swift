import Foundation

/// The text shapes the tlog specs share, read and written in one place: a decimal with no sign or leading zero
/// (tree sizes, indices), and a proof body — head lines, one base64 SHA-256 hash a line, an empty line, then a
/// signed checkpoint note (c2sp.org/tlog-proof receipts, tlog-witness consistency proofs).
public enum TlogText {
    /// A non-negative decimal as the specs write it: `0`, or digits without a leading zero; nil otherwise.
    public static func decimal<S: StringProtocol>(_ text: S) -> Int? {
        guard let value = Int(text), value >= 0, String(value) == text else { return nil }
        return value
    }

    /// `head` (each line ending in a newline), the hashes in base64 one a line, an empty line, the note.
    static func write(head: String, proof: [MerkleTree.Hash], note: String) -> String {
        var out = head
        for hash in proof { out += Data(hash).base64EncodedString() + "\n" }
        return out + "\n" + note
    }

    /// A proof body split strictly: the lines before the empty line (for the caller to take its head lines from the
    /// front), and the note after it, which must be a well-formed signed note.
    static func split(_ text: String, _ malformed: (String) -> LedgerError) throws(LedgerError) -> (lines: ArraySlice<Substring>, note: String) {
        guard let blank = text.range(of: "\n\n") else { throw malformed("no empty line before the checkpoint") }
        let note = String(text[blank.upperBound...])
        _ = try SignedNote(parsing: note)
        return (text[..<blank.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)[...], note)
    }

    /// The remaining lines as proof hashes: each strict base64 of 32 bytes.
    static func hashes(_ lines: ArraySlice<Substring>, _ malformed: (String) -> LedgerError) throws(LedgerError) -> [MerkleTree.Hash] {
        var proof: [MerkleTree.Hash] = []
        for line in lines {
            guard let hash = Data(base64Encoded: String(line)), hash.count == 32 else {
                throw malformed("a proof line is not a base64 SHA-256 hash")
            }
            proof.append(Array(hash))
        }
        return proof
    }
}
