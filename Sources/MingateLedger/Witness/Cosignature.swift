import Crypto
import Foundation

/// An Ed25519 witness cosignature (c2sp.org/tlog-cosignature, `cosignature/v1`): a witness's statement, at a time,
/// that a checkpoint is consistent with every earlier one it saw for the log. A signature line
/// `— <witness name> base64(key ID ‖ u64 timestamp ‖ Ed25519 signature)` over
/// `cosignature/v1\ntime <timestamp>\n` followed by the checkpoint's text.
///
/// The key ID is `SHA-256(name ‖ "\n" ‖ 0x04 ‖ public key)[:4]`; a witness's verifier key is written like a note
/// verifier key with the type byte 0x04: `<name>+<hex key ID>+<base64(0x04 ‖ public key)>`.
public struct CosignatureVerifier: Sendable {
    public let name: String
    public let keyID: UInt32
    let publicKey: Curve25519.Signing.PublicKey

    /// Parses a witness's verifier key.
    public init(verifierKey text: String) throws(LedgerError) {
        let parts = text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "+", maxSplits: 2)
        guard parts.count == 3, let encoded = Data(base64Encoded: String(parts[2])), encoded.count == 33,
            encoded.first == 0x04, let key = try? Curve25519.Signing.PublicKey(rawRepresentation: encoded.dropFirst()),
            let id = UInt32(parts[1], radix: 16), parts[1].count == 8
        else { throw LedgerError(.badKey, "not a witness cosignature key (name+id+base64(0x04 ‖ Ed25519 public key))") }
        guard Self.keyID(name: String(parts[0]), publicKey: Array(encoded.dropFirst())) == id else {
            throw LedgerError(.badKey, "the witness key's id does not match its name and key")
        }
        self.init(name: String(parts[0]), keyID: id, publicKey: key)
    }

    init(name: String, keyID: UInt32, publicKey: Curve25519.Signing.PublicKey) {
        self.name = name
        self.keyID = keyID
        self.publicKey = publicKey
    }

    public var verifierKeyText: String {
        "\(name)+\(String(format: "%08x", keyID))+\(Data([0x04] + publicKey.rawRepresentation).base64EncodedString())"
    }

    static func keyID(name: String, publicKey: [UInt8]) -> UInt32 {
        let digest = Array(SHA256.hash(data: Data(name.utf8) + [0x0A, 0x04] + publicKey))
        return UInt32(digest[0]) << 24 | UInt32(digest[1]) << 16 | UInt32(digest[2]) << 8 | UInt32(digest[3])
    }

    static func message(timestamp: UInt64, checkpointText: String) -> Data {
        Data("cosignature/v1\ntime \(timestamp)\n\(checkpointText)".utf8)
    }

    /// The timestamp of `line` when it is this witness's valid cosignature of the checkpoint with text
    /// `checkpointText`; nil when the line is another key's, malformed, or does not verify.
    public func timestamp(of line: String, checkpointText: String) -> UInt64? {
        guard let signature = SignedNote.Signature(line: line), signature.name == name, signature.keyID == keyID,
            signature.bytes.count == 72
        else { return nil }
        let timestamp = signature.bytes.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        guard timestamp > 0, timestamp <= UInt64(Int64.max),
            publicKey.isValidSignature(signature.bytes.dropFirst(8), for: Self.message(timestamp: timestamp, checkpointText: checkpointText))
        else { return nil }
        return timestamp
    }
}

/// A witness's signing key, for witnesses of our own (the test suite's) and `CosignatureVerifier`'s tests.
public struct Cosigner: Sendable {
    public let name: String
    let key: Curve25519.Signing.PrivateKey

    public init(name: String, key: Curve25519.Signing.PrivateKey = .init()) {
        self.name = name
        self.key = key
    }

    public var verifier: CosignatureVerifier {
        CosignatureVerifier(
            name: name, keyID: CosignatureVerifier.keyID(name: name, publicKey: Array(key.publicKey.rawRepresentation)),
            publicKey: key.publicKey)
    }

    /// The signature line (with its final newline) cosigning `checkpointText` at `timestamp`.
    public func cosign(_ checkpointText: String, timestamp: UInt64) throws(LedgerError) -> String {
        guard let signature = try? key.signature(for: CosignatureVerifier.message(timestamp: timestamp, checkpointText: checkpointText)) else {
            throw LedgerError(.badKey, "cosigning failed")
        }
        var id = verifier.keyID.bigEndian
        var time = timestamp.bigEndian
        let bytes = withUnsafeBytes(of: &id) { Data($0) } + withUnsafeBytes(of: &time) { Data($0) } + signature
        return "— \(name) \(bytes.base64EncodedString())\n"
    }
}
