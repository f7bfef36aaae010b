import Crypto

/// The secrets an `Enforcer` needs, resolved by the edge from the policy's references.
public struct EnforcerKeys: Sendable {
    /// Master key for pseudonyms; each partner gets a key derived from it.
    public let pseudonym: SymmetricKey
    /// Key for subject keys and body digests in the ledger.
    public let ledger: SymmetricKey
    /// Partner id → the full value of its credential header.
    public let credentials: [String: String]
    /// `partner/hook` (`hookSecretName`) → the secret its sender's signature is checked with.
    public let hookSecrets: [String: [UInt8]]

    public init(pseudonym: SymmetricKey, ledger: SymmetricKey, credentials: [String: String], hookSecrets: [String: [UInt8]] = [:]) {
        self.pseudonym = pseudonym
        self.ledger = ledger
        self.credentials = credentials
        self.hookSecrets = hookSecrets
    }

    public static func hookSecretName(partner: String, hook: String) -> String { "\(partner)/\(hook)" }
}
