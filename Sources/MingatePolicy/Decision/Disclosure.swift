/// What one decision discloses, or would have: the content of a ledger record, without sequence or time
/// (the ledger adds those). Holds names, categories and keyed digests, never a personal value.
public struct Disclosure: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case forward, refuse
    }

    /// Which way the data crosses: to a partner (a caller's request), or from one (a partner's hook, delivered to
    /// an internal service). An inbound record is written as its own entry kind, `inbound`.
    public enum Direction: String, Sendable {
        case outbound, inbound
    }

    /// The caller and the purpose of the erasure requests the gateway itself sends on a person's behalf: they are
    /// recorded like disclosures, and are neither a policy caller nor a partner purpose.
    public static let erasure = "erasure"

    public var requestID: String
    public var caller: String?
    public var partner: String?
    public var partnerLegalEntity: String?
    public var partnerCountry: String?
    public var purpose: String?
    public var legalBasis: String?
    public var transferBasis: String?
    /// Keyed hash of the data subject's id (`HMAC-SHA256(ledger key, id)`), never the id.
    public var subjectKey: String?
    /// The authority's reference (case number, document id) for a legal request.
    public var legalReference: String?
    /// The route template matched, like `POST /v2/charge`.
    public var route: String?
    public var method: String
    public var disclosed: [DisclosedField]
    public var withheld: [String]
    public var policyVersion: String
    /// Keyed digest of the exact outbound body, so a body can later be shown to be the one sent.
    public var bodyDigest: String?
    public var decision: Outcome
    /// The refusal code, or `allowed`.
    public var reason: String
    /// Outbound unless this is a partner's hook.
    public var direction: Direction = .outbound

    public init(requestID: String, method: String, policyVersion: String) {
        self.requestID = requestID
        self.method = method
        self.disclosed = []
        self.withheld = []
        self.policyVersion = policyVersion
        self.decision = .refuse
        self.reason = "unset"
    }

    /// Names the partner on the other side: its id, legal entity and country.
    public mutating func name(_ partner: Partner) {
        self.partner = partner.id
        partnerLegalEntity = partner.legalEntity
        partnerCountry = partner.country
    }

    /// Turns this record into the record of a refusal: nothing was sent, so nothing is listed as disclosed and
    /// no body digest is kept.
    public mutating func refuse(_ refusal: Refusal) {
        decision = .refuse
        reason = refusal.code.rawValue
        disclosed = []
        bodyDigest = nil
    }
}
