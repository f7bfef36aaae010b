import Foundation

/// A signed note (c2sp.org/signed-note), parsed by the rules of Go's `golang.org/x/mod/sumdb/note.Open`: valid
/// UTF-8 with no control characters but newline; the text ends in a newline and is separated from the signatures
/// by the last blank line; every signature line is `— NAME BASE64` and ends in a newline, the name non-empty with
/// no spaces or `+`, the signature strict base64 of at least 5 bytes (a 4-byte key ID, then the signature); at
/// least one and at most 100 signatures. Anything else (a missing final newline, a trailing space, a stray line)
/// is not a note.
public struct SignedNote: Sendable {
    public struct Signature: Sendable {
        public let name: String
        public let keyID: UInt32
        /// The signature proper, after the key ID.
        public let bytes: [UInt8]

        /// One signature line, `— NAME BASE64`, without its final newline.
        init(parsing line: ArraySlice<UInt8>, _ malformed: (String) -> LedgerError) throws(LedgerError) {
            let prefix = Array("— ".utf8)
            guard line.starts(with: prefix) else { throw malformed("a signature line does not start with \"— \"") }
            let rest = line.dropFirst(prefix.count)
            guard let space = rest.firstIndex(of: UInt8(ascii: " ")) else { throw malformed("a signature line has no signature") }
            name = String(decoding: rest[..<space], as: UTF8.self)
            guard SignedNote.isValidName(name) else { throw malformed("a key name is empty or holds a space or '+'") }
            guard let blob = Data(base64Encoded: Data(rest[(space + 1)...])), blob.count >= 5 else {
                throw malformed("a signature is not base64 of a key ID and a signature")
            }
            keyID = blob.prefix(4).reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
            bytes = Array(blob.dropFirst(4))
        }

        /// One signature line as a witness answers it (ending in a newline); nil when it is not one.
        public init?(line: String) {
            var bytes = ArraySlice(line.utf8)
            guard bytes.last == UInt8(ascii: "\n") else { return nil }
            bytes.removeLast()
            guard !bytes.contains(UInt8(ascii: "\n")), let parsed = try? Signature(parsing: bytes, { LedgerError(.badCheckpoint, $0) }) else {
                return nil
            }
            self = parsed
        }
    }

    /// The signed text, including its final newline.
    public let text: String
    public let signatures: [Signature]

    public static let maxSignatures = 100

    public init(parsing note: String) throws(LedgerError) {
        func malformed(_ why: String) -> LedgerError { LedgerError(.badCheckpoint, "malformed signed note: \(why)") }
        for scalar in note.unicodeScalars where scalar.value < 0x20 && scalar != "\n" {
            throw malformed("a control character other than newline")
        }
        let bytes = Array(note.utf8)
        guard let blank = Self.lastBlankLine(bytes) else { throw malformed("no blank line before the signatures") }
        let signatureBlock = bytes[(blank + 2)...]
        guard let last = signatureBlock.last, last == UInt8(ascii: "\n") else {
            throw malformed("the last signature line does not end in a newline")
        }
        var signatures: [Signature] = []
        for line in signatureBlock.dropLast().split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
            guard signatures.count < Self.maxSignatures else { throw malformed("more than \(Self.maxSignatures) signatures") }
            signatures.append(try Signature(parsing: line, malformed))
        }
        text = String(decoding: bytes[...blank], as: UTF8.self)
        self.signatures = signatures
    }

    /// The index of the newline that ends the text, where the last `\n\n` starts.
    static func lastBlankLine(_ bytes: [UInt8]) -> Int? {
        var index = bytes.count - 2
        while index >= 0 {
            if bytes[index] == UInt8(ascii: "\n") && bytes[index + 1] == UInt8(ascii: "\n") { return index }
            index -= 1
        }
        return nil
    }

    /// Non-empty, with no Unicode space and no `+`.
    public static func isValidName(_ name: String) -> Bool {
        !name.isEmpty && !name.unicodeScalars.contains { $0 == "+" || $0.properties.isWhitespace }
    }
}
