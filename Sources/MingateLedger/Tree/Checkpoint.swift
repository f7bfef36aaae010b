import Foundation

/// A C2SP tlog checkpoint (c2sp.org/tlog-checkpoint): the log's origin, its size and its root hash, signed as a
/// note. Any two checkpoints of one log are consistent, and every entry is included in any checkpoint at least as
/// large as its sequence number.
public struct Checkpoint: Sendable, Equatable {
    public let origin: String
    public let size: Int
    public let root: MerkleTree.Hash

    public init(origin: String, size: Int, root: MerkleTree.Hash) {
        self.origin = origin
        self.size = size
        self.root = root
    }

    /// The note text: three lines, each ending in a newline.
    public var text: String {
        "\(origin)\n\(size)\n\(Data(root).base64EncodedString())\n"
    }

    /// Parses a checkpoint's note text (as returned by `NoteVerifier.verify`).
    public init(text: String) throws(LedgerError) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count >= 4, let size = TlogText.decimal(lines[1]),
            let root = Data(base64Encoded: String(lines[2])), root.count == 32
        else { throw LedgerError(.badCheckpoint, "not a tlog checkpoint") }
        self.init(origin: String(lines[0]), size: size, root: Array(root))
    }
}
