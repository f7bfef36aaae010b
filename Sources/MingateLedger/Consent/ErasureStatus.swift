/// Where one partner stands on one erasure request: told through its endpoint, waiting for a notice to be sent to
/// its contact, or failed. One `erasure` entry of the ledger each; a new status is a new entry, and the latest per
/// (erasure, partner) is current.
public struct ErasureStatus: Sendable, Equatable {
    public enum State: String, Sendable {
        /// The partner's erasure endpoint accepted the request.
        case sent
        /// The endpoint failed; try again.
        case failed
        /// The partner only has a contact: a notice must be sent by a person.
        case noticePending = "notice_pending"
        /// The notice was sent (recorded by the DPO).
        case noticeSent = "notice_sent"
        /// The partner names no erasure channel at all.
        case noChannel = "no_channel"
    }

    public let erasureID: String
    /// The entry's `request_id`: the erasure id.
    public var requestID: String { erasureID }
    public let subjectKey: String
    public let partner: String
    /// `endpoint POST /v1/…`, `contact privacy@…` or `none`.
    public let channel: String
    public let state: State
    public let at: String
    /// The partner's status code or the failure; never personal data.
    public let detail: String?

    public init(erasureID: String, subjectKey: String, partner: String, channel: String, state: State, at: String, detail: String?) {
        self.erasureID = erasureID
        self.subjectKey = subjectKey
        self.partner = partner
        self.channel = channel
        self.state = state
        self.at = at
        self.detail = detail
    }
}

extension ErasureStatus {
    /// The status an `erasure` entry records; nil for any other entry or one that does not read as a status.
    public init?(entry: LedgerEntry) {
        guard entry.kind == .erasure, let document = entry.document, let erasureID = document["erasure_id"]?.stringValue,
            let subjectKey = document["subject_key"]?.stringValue, let partner = document["partner"]?.stringValue,
            let channel = document["channel"]?.stringValue,
            let state = (document["state"]?.stringValue).flatMap(State.init(rawValue:)), let at = document["at"]?.stringValue
        else { return nil }
        self.init(
            erasureID: erasureID, subjectKey: subjectKey, partner: partner, channel: channel, state: state, at: at,
            detail: document["detail"]?.stringValue)
    }

    /// The latest status per (erasure, partner), in the order the erasures were first recorded.
    public static func current(_ all: [ErasureStatus]) -> [ErasureStatus] {
        var latest: [String: ErasureStatus] = [:]
        var order: [String] = []
        for status in all {
            let key = status.erasureID + "/" + status.partner
            if latest[key] == nil { order.append(key) }
            latest[key] = status
        }
        return order.compactMap { latest[$0] }
    }
}
