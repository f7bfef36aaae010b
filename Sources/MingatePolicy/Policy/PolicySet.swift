/// Everything the gateway enforces, loaded whole and valid, or not at all.
public struct PolicySet: Sendable {
    public let partners: [String: Partner]
    public let callers: [Caller]
    /// Who may read the ledger over HTTP (`policies/auditors.yaml`, optional).
    public let auditors: [Auditor]
    public let categories: [String: DataCategory]
    public let homeCountry: String
    /// The retention stated for disclosures whose purpose names none (`policies/gateway.yaml`).
    public let defaultRetention: String
    /// Member, field and header names never disclosed, whatever a partner file says; compared by `DenyList`.
    public let deny: DenyList
    public let pseudonymKey: SecretReference
    public let ledgerKey: SecretReference
    /// SHA-256 over every policy file, in path order: which policy a decision was made under.
    public let version: String
    /// Problems that did not stop loading (a descendant segment in an allowlist, say).
    public let warnings: [PolicyProblem]

    public init(
        partners: [String: Partner], callers: [Caller], auditors: [Auditor] = [], categories: [String: DataCategory],
        homeCountry: String, defaultRetention: String = "",
        deny: DenyList, pseudonymKey: SecretReference, ledgerKey: SecretReference, version: String,
        warnings: [PolicyProblem]
    ) {
        self.partners = partners
        self.callers = callers
        self.auditors = auditors
        self.categories = categories
        self.homeCountry = homeCountry
        self.defaultRetention = defaultRetention
        self.deny = deny
        self.pseudonymKey = pseudonymKey
        self.ledgerKey = ledgerKey
        self.version = version
        self.warnings = warnings
    }

}

/// Names that are never disclosed: CVV, passwords, OTPs, PINs. Compared ignoring case, `_` and `-`, so
/// `card_CVV`-style variants of a listed word are caught as well as `cvv` itself.
public struct DenyList: Sendable {
    public let words: [String]
    /// The folded words as bytes, for the ASCII fast path.
    private let wordBytes: [[UInt8]]

    public init(words: [String]) {
        self.words = words.map(Self.fold)
        self.wordBytes = self.words.map { Array($0.utf8) }
    }

    /// Whether a member, field or header name is denied: equal to a listed word, or ending in `_word`/`-word`.
    /// Called for every member of every body: ASCII names (nearly all) are folded into a stack buffer and compared
    /// as bytes, with no string allocated; other names take the general path.
    public func denies(_ name: String) -> Bool {
        var utf8 = name
        if let answer = utf8.withUTF8({ Self.deniesASCII($0, wordBytes) }) { return answer }
        return deniesGeneral(name)
    }

    /// nil when the name is not ASCII (or very long): the caller then takes the general path.
    static func deniesASCII(_ bytes: UnsafeBufferPointer<UInt8>, _ words: [[UInt8]]) -> Bool? {
        let count = bytes.count
        guard count <= 128 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 256) { buffer -> Bool? in
            // buffer[0..<count]: the name lower-cased; buffer[128..<128+folded]: lower-cased without `_` and `-`.
            var folded = 0
            for index in 0..<count {
                var byte = bytes[index]
                guard byte < 0x80 else { return nil }
                if byte >= 0x41 && byte <= 0x5A { byte += 0x20 }
                buffer[index] = byte
                if byte != 0x5F && byte != 0x2D {
                    buffer[128 + folded] = byte
                    folded += 1
                }
            }
            for word in words {
                let length = word.count
                guard folded >= length else { continue }
                var suffix = true
                for offset in 0..<length where buffer[128 + folded - length + offset] != word[offset] {
                    suffix = false
                    break
                }
                guard suffix else { continue }
                if folded == length { return true }
                // Ends in `_word`, `-word` or `.word` as written (lower-cased).
                guard count > length else { continue }
                let separator = buffer[count - length - 1]
                guard separator == 0x5F || separator == 0x2D || separator == 0x2E else { continue }
                var written = true
                for offset in 0..<length where buffer[count - length + offset] != word[offset] {
                    written = false
                    break
                }
                if written { return true }
            }
            return false
        }
    }

    func deniesGeneral(_ name: String) -> Bool {
        let folded = Self.fold(name)
        for word in words {
            if folded == word { return true }
            if folded.hasSuffix(word) {
                let lower = name.lowercased()
                if lower.hasSuffix("_" + word) || lower.hasSuffix("-" + word) || lower.hasSuffix("." + word) {
                    return true
                }
            }
        }
        return false
    }

    static func fold(_ name: String) -> String {
        String(name.lowercased().filter { $0 != "_" && $0 != "-" })
    }
}
