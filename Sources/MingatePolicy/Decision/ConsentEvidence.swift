/// How a consent's evidence is kept in the ledger. Evidence is a reference to where the consent can be shown (a
/// consent-screen record id, a signed form's number), and a reference is what an auditor needs to follow it, so one
/// that looks like a reference is kept as typed. Anything else might be the person's own data typed in by mistake
/// (an e-mail, a phone or ID number, a name): it is kept as a keyed digest, `hmac-sha256:<hex>`, which whoever holds
/// the value can check and nobody else can read (`Enforcer.evidence(_:)`).
public enum ConsentEvidence {
    /// A reference: 1 to 100 characters of ASCII letters, digits and `. _ : / # -`, starting with a letter or digit,
    /// with no run of 9 or more digits (a phone, ID or account number has one; a dated record id like
    /// `cs-20261125-0042` does not).
    public static func isReference(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard (1...100).contains(bytes.count), let first = bytes.first, isAlphanumeric(first) else { return false }
        var digits = 0
        for byte in bytes {
            guard isAlphanumeric(byte) || ".:_/#-".utf8.contains(byte) else { return false }
            digits = (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) ? digits + 1 : 0
            if digits >= 9 { return false }
        }
        return true
    }

    /// The prefix of evidence kept as a digest.
    public static let digestPrefix = "hmac-sha256:"

    static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
