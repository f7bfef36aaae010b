/// An internal service allowed to call partners through the gateway.
public struct Caller: Sendable {
    public let id: String
    /// SHA-256 of the caller's bearer token; the token itself is never stored.
    public let tokenDigest: [UInt8]
    /// Partner id → the purposes this caller may use with it.
    public let mayUse: [String: Set<String>]
    /// Where the service receives partners' hooks: `POST {hooksURL}/{partner}/{hook}`. Nil: it receives none.
    public let hooksURL: String?

    public init(id: String, tokenDigest: [UInt8], mayUse: [String: Set<String>], hooksURL: String? = nil) {
        self.id = id
        self.tokenDigest = tokenDigest
        self.mayUse = mayUse
        self.hooksURL = hooksURL
    }

    public func mayUse(partner: String, purpose: String) -> Bool {
        mayUse[partner]?.contains(purpose) ?? false
    }
}

/// Someone who may read the disclosure ledger through the auditor API (a DPO, an internal or external auditor).
public struct Auditor: Sendable {
    public let id: String
    /// SHA-256 of the auditor's bearer token.
    public let tokenDigest: [UInt8]

    public init(id: String, tokenDigest: [UInt8]) {
        self.id = id
        self.tokenDigest = tokenDigest
    }
}
