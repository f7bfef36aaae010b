import Crypto
import Foundation

/// Signs and verifies C2SP signed notes with Ed25519 (c2sp.org/signed-note), the format of tlog checkpoints.
///
/// A key's hash is the first four bytes of `SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key)`. A signature line is
/// `— <name> <base64(key hash ‖ signature)>`. Keys are written as Go's `note` package writes them:
/// `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>` and `<name>+<hash>+<base64(0x01 ‖ public key)>`.
public struct NoteSigner: Sendable {
    public let name: String
    let key: Curve25519.Signing.PrivateKey
    public let keyHash: UInt32

    public init(name: String, key: Curve25519.Signing.PrivateKey) {
        self.name = name
        self.key = key
        self.keyHash = NoteVerifier.keyHash(name: name, publicKey: Array(key.publicKey.rawRepresentation))
    }

    /// Parses a private key file's text.
    public init(privateKey text: String) throws(LedgerError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 4)
        guard parts.count == 5, parts[0] == "PRIVATE", parts[1] == "KEY",
            let encoded = Data(base64Encoded: String(parts[4])), encoded.count == 33, encoded.first == 0x01,
            let key = try? Curve25519.Signing.PrivateKey(rawRepresentation: encoded.dropFirst())
        else { throw LedgerError(.badKey, "not a signed-note Ed25519 private key (PRIVATE+KEY+name+hash+key)") }
        self.init(name: String(parts[2]), key: key)
        guard String(format: "%08x", keyHash) == parts[3] else {
            throw LedgerError(.badKey, "the private key's hash does not match its name and key")
        }
    }

    public static func generate(name: String) -> NoteSigner {
        NoteSigner(name: name, key: Curve25519.Signing.PrivateKey())
    }

    public var privateKeyText: String {
        "PRIVATE+KEY+\(name)+\(String(format: "%08x", keyHash))+\(Data([0x01] + key.rawRepresentation).base64EncodedString())"
    }

    public var verifier: NoteVerifier {
        NoteVerifier(name: name, keyHash: keyHash, publicKey: key.publicKey)
    }

    /// The complete note: `text` (which must end in a newline), a blank line, one signature line.
    public func sign(_ text: String) throws(LedgerError) -> String {
        guard text.hasSuffix("\n"), !text.contains("\n\n") else {
            throw LedgerError(.badKey, "a note's text ends in one newline and has no blank line")
        }
        guard let signature = try? key.signature(for: Data(text.utf8)) else {
            throw LedgerError(.badKey, "signing failed")
        }
        var hash = keyHash.bigEndian
        let prefix = withUnsafeBytes(of: &hash) { Data($0) }
        return text + "\n— \(name) \((prefix + signature).base64EncodedString())\n"
    }
}

/// Verifies notes signed by one key.
public struct NoteVerifier: Sendable {
    public let name: String
    public let keyHash: UInt32
    let publicKey: Curve25519.Signing.PublicKey

    public init(name: String, keyHash: UInt32, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.keyHash = keyHash
        self.publicKey = publicKey
    }

    /// Parses a verifier key: `<name>+<hash>+<base64(0x01 ‖ public key)>`.
    public init(verifierKey text: String) throws(LedgerError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2)
        guard parts.count == 3, let encoded = Data(base64Encoded: String(parts[2])), encoded.count == 33,
            encoded.first == 0x01, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: encoded.dropFirst()),
            let hash = UInt32(parts[1], radix: 16)
        else { throw LedgerError(.badKey, "not a signed-note Ed25519 verifier key (name+hash+key)") }
        guard Self.keyHash(name: String(parts[0]), publicKey: Array(encoded.dropFirst())) == hash else {
            throw LedgerError(.badKey, "the verifier key's hash does not match its name and key")
        }
        self.init(name: String(parts[0]), keyHash: hash, publicKey: key)
    }

    public var verifierKeyText: String {
        "\(name)+\(String(format: "%08x", keyHash))+\(Data([0x01] + publicKey.rawRepresentation).base64EncodedString())"
    }

    static func keyHash(name: String, publicKey: [UInt8]) -> UInt32 {
        let digest = Array(SHA256.hash(data: Data(name.utf8) + [0x0A, 0x01] + publicKey))
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    /// The note's text when it is a well-formed signed note (`SignedNote`, Go's `note.Open` rules) and a signature
    /// under this key's name and ID verifies; nil otherwise, also when a signature under this key fails (the whole
    /// note is then rejected). Signatures of other keys are ignored.
    public func verify(_ note: String) -> String? {
        guard let parsed = try? SignedNote(parsing: note) else { return nil }
        var verified = false
        for signature in parsed.signatures where signature.name == name && signature.keyID == keyHash {
            guard signature.bytes.count == 64, publicKey.isValidSignature(signature.bytes, for: Data(parsed.text.utf8)) else {
                return nil
            }
            verified = true
        }
        return verified ? parsed.text : nil
    }
}
