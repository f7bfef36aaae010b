import MingatePolicy

/// The columns a store keeps beside each canonical entry so auditors' searches need not read every record:
/// kind, commit time, request id, partner, purpose, caller, subject key and decision.
///
/// They are an index, never the record: `audit verify` derives them again from the canonical entry (the bytes the
/// tree vouches for) and names any row whose columns disagree, and every query checks the entries it returns
/// against its filter through the same derivation, so an edited column can hide nothing silently and add nothing
/// at all.
public struct IndexColumns: Sendable, Equatable {
    public var kind: String
    public var recordedAt: String
    public var requestID: String
    public var partner: String? = nil
    public var purpose: String? = nil
    public var caller: String? = nil
    public var subjectKey: String? = nil
    public var decision: String? = nil
    /// Whether the store keeps only the subject key's first `subjectPrefix` hex digits (a version 2 decision): the
    /// column is an index, and every search checks the whole key in the record.
    var shortSubject = false

    /// How many hex digits of a version 2 decision's subject key its column holds: 64 bits, enough that two people
    /// sharing a prefix is rare, and a search that meets such a pair drops the other's records by the whole key.
    public static let subjectPrefix = 16

    /// The subject column as the store holds it.
    public var storedSubjectKey: String? { shortSubject ? subjectKey.map { String($0.prefix(Self.subjectPrefix)) } : subjectKey }

    /// A searchable column (`partner`, `purpose`, `caller`, `subject_key`, `decision`, `request_id`): its value as the
    /// record gives it, or with `stored` as the store holds it.
    func value(of column: String, stored: Bool) -> String? {
        switch column {
        case "partner": partner
        case "purpose": purpose
        case "caller": caller
        case "subject_key": stored ? storedSubjectKey : subjectKey
        case "decision": decision
        case "request_id": requestID
        default: nil
        }
    }

    /// The values a store's column holds for records whose `column` is `value`: a subject key whole (version 1) or its
    /// prefix (version 2); any other column the value itself.
    static func storedValues(_ value: String, column: String) -> [String] {
        column == "subject_key" && value.count > subjectPrefix ? [value, String(value.prefix(subjectPrefix))] : [value]
    }
}

extension IndexColumns {
    /// The columns as a store writes them for a draft committed at `recordedAt`.
    init(_ draft: LedgerDraft, recordedAt: String) {
        self.init(kind: draft.kind.rawValue, recordedAt: recordedAt, requestID: draft.requestID)
        switch draft {
        case .disclosure(let d):
            (partner, purpose, caller, subjectKey, decision) = (d.partner, d.purpose, d.caller, d.subjectKey, d.decision.rawValue)
            shortSubject = true
        case .outcome:
            break
        case .shape(let shape, _):
            (partner, purpose) = (shape.partner, shape.purpose)
        case .refusals(let r):
            (partner, decision) = (r.partner, "refuse")
        case .consent(let c):
            (partner, purpose, subjectKey) = (c.partner, c.purpose, c.subjectKey)
        case .erasure(let e):
            (partner, subjectKey) = (e.partner, e.subjectKey)
        }
    }

    /// The columns an entry must have, read from its canonical bytes, with the sequence number the entry states;
    /// nil when the bytes are not a readable entry.
    public static func of(entry: [UInt8]) -> (sequence: Int64, columns: IndexColumns)? {
        guard let head = EntryHead(entry), let sequence = head.seq, let columns = IndexColumns(head) else { return nil }
        return (sequence, columns)
    }

    init?(_ head: EntryHead) {
        guard let kind = head[.kind], let time = head[.time], let requestID = head[.requestID] else { return nil }
        self.init(kind: kind, recordedAt: time, requestID: requestID, partner: head[.partner])
        switch LedgerEntry.Kind(rawValue: kind) {
        case .disclosure?, .inbound?:
            (purpose, caller, subjectKey, decision) = (head[.purpose], head[.caller], head[.subjectKey], head[.decision])
            shortSubject = (head.version ?? 1) >= 2
        case .shape?:
            purpose = head[.purpose]
        case .refusals?:
            decision = "refuse"
        case .consent?:
            (purpose, subjectKey) = (head[.purpose], head[.subjectKey])
        case .erasure?:
            subjectKey = head[.subjectKey]
        case .outcome?, nil:
            break
        }
    }

    /// partner, purpose, caller, subject_key, decision: the searchable columns in table order, as stored.
    var searchable: [String?] { [partner, purpose, caller, storedSubjectKey, decision] }

    /// The names of the columns that differ from `derived` (the columns the canonical entry gives), in table order;
    /// these are the columns as read from the store.
    public func differences(from derived: IndexColumns) -> [String] {
        let pairs: [(name: String, mine: String?, theirs: String?)] = [
            ("kind", kind, derived.kind), ("recorded_at", recordedAt, derived.recordedAt), ("request_id", requestID, derived.requestID),
            ("partner", partner, derived.partner), ("purpose", purpose, derived.purpose), ("caller", caller, derived.caller),
            ("subject_key", subjectKey, derived.storedSubjectKey), ("decision", decision, derived.decision),
        ]
        return pairs.filter { $0.mine != $0.theirs }.map(\.name)
    }
}

/// One row as a store holds it, every column beside the canonical entry and its stored leaf hash: what
/// `audit verify` reads.
public struct StoredRow: Sendable {
    public let sequence: Int64
    public let columns: IndexColumns
    public let entry: [UInt8]
    public let leafHash: [UInt8]
}
