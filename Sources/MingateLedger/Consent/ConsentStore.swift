import Foundation
import MingatePolicy

/// What a data subject agreed to, with its history. Lives in the ledger's database (SQLite or PostgreSQL); rows are
/// only ever added, so the history shows who granted or withdrew what, when, on what evidence.
public struct ConsentEvent: Sendable, Equatable {
    /// What the consent is to: the purpose, a transfer abroad, or a guardian's for a minor. The same kinds the
    /// enforcer asks for (`ConsentNeed`), so a recorded consent and a needed one are compared without translation.
    public typealias Kind = ConsentNeed

    public enum State: String, Sendable {
        case granted, withdrawn
    }

    /// Keyed hash of the subject id, as in the ledger.
    public let subjectKey: String
    public let partner: String
    public let purpose: String
    public let kind: Kind
    public let state: State
    /// RFC 3339 UTC.
    public let at: String
    /// Where the consent can be shown (a consent-screen record id, a signed form…); never the person's data.
    public let evidence: String?

    public init(subjectKey: String, partner: String, purpose: String, kind: Kind, state: State, at: String, evidence: String?) {
        self.subjectKey = subjectKey
        self.partner = partner
        self.purpose = purpose
        self.kind = kind
        self.state = state
        self.at = at
        self.evidence = evidence
    }
}

/// Reads and appends consent history. One user at a time, like a ledger store.
public protocol ConsentStore: AnyObject {
    func record(_ event: ConsentEvent) throws(LedgerError)
    /// Every event for a subject, oldest first.
    func history(subjectKey: String) throws(LedgerError) -> [ConsentEvent]
    /// The ledger key's fingerprint the database was first used with (`KeyedDigests.ledgerKeyFingerprint`), if any.
    func keyFingerprint() throws(LedgerError) -> String?
    /// Records `fingerprint` when none is recorded yet; returns the one recorded (the first, forever).
    func claimKeyFingerprint(_ fingerprint: String, at time: String) throws(LedgerError) -> String
}

extension ConsentStore {
    /// Whether the latest event for (subject, partner, purpose, kind) is a grant.
    public func isGranted(subjectKey: String, partner: String, purpose: String, kind: ConsentEvent.Kind) throws(LedgerError) -> Bool {
        ConsentEvent.isGranted(in: try history(subjectKey: subjectKey), partner: partner, purpose: purpose, kind: kind)
    }
}

extension ConsentEvent {
    /// Whether the latest event of a subject's history for (partner, purpose, kind) is a grant.
    public static func isGranted(in history: [ConsentEvent], partner: String, purpose: String, kind: Kind) -> Bool {
        history.last { $0.partner == partner && $0.purpose == purpose && $0.kind == kind }?.state == .granted
    }
}

extension LedgerURL {
    /// The consent history and erasure log, in the same database as the ledger.
    public func openConsents() throws(LedgerError) -> any ConsentStore & ErasureLog {
        switch self {
        case .sqlite(let path, let durable): try SQLiteConsentStore(path: path, durable: durable)
        case .postgres(let location): try PostgresConsentStore(location: location)
        }
    }
}
