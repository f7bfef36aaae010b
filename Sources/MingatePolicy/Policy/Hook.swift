/// A call a partner makes to the platform (`POST /w/{partner}/{hook}`): a payment notification, a delivery status.
/// It is authenticated by the partner's own signature scheme, cut to its allowlist like anything that crosses the
/// gate, recorded as an inbound entry, and delivered to the one internal service the policy names.
public struct Hook: Sendable {
    public let id: String
    public let description: String
    public let descriptionID: String?
    /// Why the platform receives this (usually the contract the notification is part of).
    public let legalBasis: LegalBasis
    public let verification: HookVerification
    /// The caller (internal service) the hook is delivered to, at its `hooks_url`.
    public let deliverTo: String
    /// Where the partner's message names the data subject (the platform's customer id), if it does.
    public let subject: JSONPathQuery?
    /// What of the body the internal service receives.
    public let json: [JSONRule]
    /// Which of the partner's headers it receives.
    public let headers: [FieldRule]
}

/// How a hook's sender is proven: the scheme, the shared secret (a reference, never the value), and the window
/// within which a message is fresh and a repeat of it is a replay.
public struct HookVerification: Sendable, Hashable {
    public enum Scheme: String, Sendable, CaseIterable {
        /// Midtrans: `signature_key` in the body is hex SHA-512 of order_id + status_code + gross_amount + server key.
        case midtrans = "midtrans-signature"
        /// A header holding HMAC-SHA256 of the raw body (couriers and most partners): hex, or base64.
        case hmacSHA256 = "hmac-sha256"
        /// standardwebhooks.com: `webhook-id`, `webhook-timestamp`, `webhook-signature: v1,<base64>` over
        /// `id.timestamp.body`, with a `whsec_` base64 secret.
        case standardWebhooks = "standard-webhooks"
    }

    public enum Encoding: String, Sendable, CaseIterable {
        case hex, base64
    }

    public let scheme: Scheme
    public let secret: SecretReference
    /// The signature header, for `hmac-sha256` (lower case).
    public let header: String?
    /// How that header spells the MAC.
    public let encoding: Encoding
    /// Text before the MAC in the header, like `sha256=`.
    public let prefix: String
    /// Seconds a message stays fresh: a signed timestamp outside it is refused, and a message seen within it again
    /// is a replay. 300 by default.
    public let windowSeconds: Int

    /// The headers the scheme reads to prove the sender: the gateway's, never delivered, not recorded as withheld.
    public var signatureHeaders: Set<String> {
        switch scheme {
        case .midtrans: []
        case .hmacSHA256: header.map { [$0] } ?? []
        case .standardWebhooks: ["webhook-id", "webhook-timestamp", "webhook-signature"]
        }
    }
}
