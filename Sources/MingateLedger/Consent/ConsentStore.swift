import Foundation
import MingatePolicy

/// The table a ledger's database keeps beside the log: the ledger key's fingerprint, recorded once, forever. (The
/// consent history and erasure log live in the log itself; the tables earlier versions kept them in are read once,
/// by `ConsentLog.legacyRecords`, to import them.) One user at a time, like a ledger store.
public protocol ConsentStore: AnyObject {
    /// The ledger key's fingerprint the database was first used with (`KeyedDigests.ledgerKeyFingerprint`), if any.
    func keyFingerprint() throws(LedgerError) -> String?
    /// Records `fingerprint` when none is recorded yet; returns the one recorded (the first, forever).
    func claimKeyFingerprint(_ fingerprint: String, at time: String) throws(LedgerError) -> String
}

/// Consent events and erasure statuses from the tables earlier versions kept them in. A consent's request id is
/// `legacy-consent/<row id>`, which is how the import knows it has run.
public struct LegacyRecords: Sendable, Equatable {
    public var consents: [ConsentEvent] = []
    public var erasures: [ErasureStatus] = []

    public init(consents: [ConsentEvent] = [], erasures: [ErasureStatus] = []) {
        self.consents = consents
        self.erasures = erasures
    }

    public var isEmpty: Bool { consents.isEmpty && erasures.isEmpty }

    static func consent(
        id: Int64, subjectKey: String, partner: String, purpose: String, kind: String, state: String, at: String, evidence: String?
    ) -> ConsentEvent {
        ConsentEvent(
            requestID: "legacy-consent/\(id)", subjectKey: subjectKey, partner: partner, purpose: purpose,
            kind: ConsentEvent.Kind(rawValue: kind) ?? .purpose, state: ConsentEvent.State(rawValue: state) ?? .withdrawn,
            at: at, evidence: evidence)
    }

    static func erasure(
        id: String, subjectKey: String, partner: String, channel: String, state: String, at: String, detail: String?
    ) -> ErasureStatus {
        ErasureStatus(
            erasureID: id, subjectKey: subjectKey, partner: partner, channel: channel,
            state: ErasureStatus.State(rawValue: state) ?? .failed, at: at, detail: detail)
    }
}

extension LedgerURL {
    /// The key fingerprint and the legacy tables, in the same database as the ledger.
    public func openConsents() throws(LedgerError) -> any ConsentStore {
        switch self {
        case .sqlite(let path, let durable): try SQLiteConsentStore(path: path, durable: durable)
        case .postgres(let location): try PostgresConsentStore(location: location)
        }
    }
}
