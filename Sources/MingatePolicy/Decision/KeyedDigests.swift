import Crypto
import Foundation

/// The keyed hashes and token checks the gateway and its tools must compute identically: a subject key computed
/// differently by `audit subject` than by the gateway would silently find nothing.
public enum KeyedDigests {
    /// Lowercase hex.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0xF)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// The bytes of hex text (either case), nil for anything else: an odd length, a sign, a space, a non-digit.
    public static func bytes(hex text: some StringProtocol) -> [UInt8]? {
        guard text.utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count / 2)
        var high: UInt8?
        for digit in text.utf8 {
            let value: UInt8
            switch digit {
            case 0x30...0x39: value = digit - 0x30
            case 0x61...0x66: value = digit - 0x61 + 10
            case 0x41...0x46: value = digit - 0x41 + 10
            default: return nil
            }
            if let h = high {
                bytes.append(h << 4 | value)
                high = nil
            } else {
                high = value
            }
        }
        return bytes
    }

    /// Whether two byte strings are equal, in time that depends on their length only (MACs, token digests).
    public static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for (x, y) in zip(a, b) { difference |= x ^ y }
        return difference == 0
    }

    /// The subject's keyed hash as the ledger records it: `hex(HMAC-SHA256(ledger key, "subject:" ‖ id))`.
    public static func subjectKey(_ subjectID: String, ledgerKey: SymmetricKey) -> String {
        hex(HMAC<SHA256>.authenticationCode(for: Data("subject:\(subjectID)".utf8), using: ledgerKey))
    }

    /// The shortest key the gateway accepts for the ledger and pseudonym keys: an HMAC-SHA256 key of fewer bytes
    /// than its output has less strength than the hash, and a two-character key can be guessed from one record.
    public static let minimumKeyBytes = 32

    /// Why a key is refused, or nil when it is long enough.
    public static func keyProblem(_ key: String, name: String) -> String? {
        key.utf8.count >= minimumKeyBytes
            ? nil : "the \(name) is \(key.utf8.count) bytes; at least \(minimumKeyBytes) are required (e.g. `openssl rand -base64 48`)"
    }

    /// What the ledger records of its key, so a tool given another key refuses instead of finding nothing:
    /// `hmac-sha256:` and the first 16 bytes of `HMAC-SHA256(ledger key, "mingate ledger key fingerprint v1")`.
    /// It is computed with the key, so it tells nothing about it to someone without it.
    public static func ledgerKeyFingerprint(_ ledgerKey: SymmetricKey) -> String {
        "hmac-sha256:" + hex(HMAC<SHA256>.authenticationCode(for: Data("mingate ledger key fingerprint v1".utf8), using: ledgerKey).prefix(16))
    }

    /// The SHA-256 of a bearer token, as policies store it.
    public static func tokenDigest(_ token: some StringProtocol) -> [UInt8] {
        Array(SHA256.hash(data: Data(token.utf8)))
    }

    /// The token of an `Authorization: Bearer …` header value, nil for anything else.
    public static func bearerToken(_ header: String?) -> Substring? {
        guard let header, header.count > 7, header.prefix(7).lowercased() == "bearer " else { return nil }
        return header.dropFirst(7)
    }

    /// The first candidate whose digest equals the presented token's, comparing every digest in full so the
    /// time taken says nothing about which prefix matched.
    public static func firstMatch<T>(_ token: Substring, in candidates: [T], digest: (T) -> [UInt8]) -> T? {
        let presented = tokenDigest(token)
        var found: T?
        for candidate in candidates where equal(digest(candidate), presented) && found == nil {
            found = candidate
        }
        return found
    }
}
