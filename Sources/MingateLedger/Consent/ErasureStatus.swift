/// Where one partner stands on one erasure request: told through its endpoint, waiting for a notice to be sent to
/// its contact, or failed.
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

/// Erasure requests and their status per partner, kept beside the consent history (append-only: a new status is a
/// new row; the latest row per erasure and partner is current).
public protocol ErasureLog: AnyObject {
    func record(_ status: ErasureStatus) throws(LedgerError)
    func erasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus]
}

extension ErasureLog {
    /// The current status per (erasure, partner).
    public func currentErasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus] {
        ErasureStatus.current(try erasures(subjectKey: subjectKey))
    }
}

extension ErasureStatus {
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
