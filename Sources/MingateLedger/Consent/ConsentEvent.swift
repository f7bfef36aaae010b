import Foundation
import MingatePolicy

/// What a data subject agreed to, or withdrew: one `consent` entry of the ledger, so the tree covers the legal basis
/// of every consent-based disclosure (`docs/ledger-format.md`). A subject's history is its consent entries in
/// sequence order; the latest for (partner, purpose, kind) is in force.
public struct ConsentEvent: Sendable, Equatable {
    /// What the consent is to: the purpose, a transfer abroad, or a guardian's for a minor. The same kinds the
    /// enforcer asks for (`ConsentNeed`), so a recorded consent and a needed one are compared without translation.
    public typealias Kind = ConsentNeed

    public enum State: String, Sendable {
        case granted, withdrawn
    }

    /// The id of the request that recorded it (the admin call's `X-Request-Id`), the entry's `request_id`.
    public let requestID: String
    /// Keyed hash of the subject id, as in the ledger.
    public let subjectKey: String
    public let partner: String
    public let purpose: String
    public let kind: Kind
    public let state: State
    /// RFC 3339 UTC: when it took effect.
    public let at: String
    /// Where the consent can be shown (a consent-screen record id, a signed form), as `ConsentEvidence` keeps it:
    /// the reference, or a keyed digest of anything that could be personal data.
    public let evidence: String?

    public init(
        requestID: String, subjectKey: String, partner: String, purpose: String, kind: Kind, state: State, at: String,
        evidence: String?
    ) {
        self.requestID = requestID
        self.subjectKey = subjectKey
        self.partner = partner
        self.purpose = purpose
        self.kind = kind
        self.state = state
        self.at = at
        self.evidence = evidence
    }

    /// The event a `consent` entry records; nil for any other entry or one that does not read as a consent.
    public init?(entry: LedgerEntry) {
        guard entry.kind == .consent, let document = entry.document, let subjectKey = document["subject_key"]?.stringValue,
            let partner = document["partner"]?.stringValue, let purpose = document["purpose"]?.stringValue,
            let kind = (document["consent"]?.stringValue).flatMap(Kind.init(rawValue:)),
            let state = (document["state"]?.stringValue).flatMap(State.init(rawValue:)), let at = document["at"]?.stringValue
        else { return nil }
        self.init(
            requestID: entry.requestID, subjectKey: subjectKey, partner: partner, purpose: purpose, kind: kind, state: state,
            at: at, evidence: document["evidence"]?.stringValue)
    }

    /// Whether the latest event of a subject's history for (partner, purpose, kind) is a grant.
    public static func isGranted(in history: [ConsentEvent], partner: String, purpose: String, kind: Kind) -> Bool {
        history.last { $0.partner == partner && $0.purpose == purpose && $0.kind == kind }?.state == .granted
    }
}
