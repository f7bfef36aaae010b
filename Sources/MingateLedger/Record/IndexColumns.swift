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
    public var partner: String?
    public var purpose: String?
    public var caller: String?
    public var subjectKey: String?
    public var decision: String?

    public init(
        kind: String, recordedAt: String, requestID: String, partner: String?, purpose: String?, caller: String?,
        subjectKey: String?, decision: String?
    ) {
        self.kind = kind
        self.recordedAt = recordedAt
        self.requestID = requestID
        self.partner = partner
        self.purpose = purpose
        self.caller = caller
        self.subjectKey = subjectKey
        self.decision = decision
    }

    /// The columns as a store writes them for a draft committed at `recordedAt`.
    init(_ draft: LedgerDraft, recordedAt: String) {
        self.init(kind: draft.kind.rawValue, recordedAt: recordedAt, requestID: draft.requestID, partner: nil, purpose: nil, caller: nil, subjectKey: nil, decision: nil)
        switch draft {
        case .disclosure(let d):
            (partner, purpose, caller, subjectKey, decision) = (d.partner, d.purpose, d.caller, d.subjectKey, d.decision.rawValue)
        case .outcome(let o):
            partner = o.partner
        case .refusals(let r):
            (partner, decision) = (r.partner, "refuse")
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
        self.init(kind: kind, recordedAt: time, requestID: requestID, partner: head[.partner], purpose: nil, caller: nil, subjectKey: nil, decision: nil)
        switch LedgerEntry.Kind(rawValue: kind) {
        case .disclosure?, .inbound?:
            (purpose, caller, subjectKey, decision) = (head[.purpose], head[.caller], head[.subjectKey], head[.decision])
        case .refusals?:
            decision = "refuse"
        case .outcome?, nil:
            break
        }
    }

    /// partner, purpose, caller, subject_key, decision: the searchable columns in table order.
    var searchable: [String?] { [partner, purpose, caller, subjectKey, decision] }

    /// The names of the columns that differ from `other`, in table order.
    public func differences(from other: IndexColumns) -> [String] {
        var names: [String] = []
        if kind != other.kind { names.append("kind") }
        if recordedAt != other.recordedAt { names.append("recorded_at") }
        if requestID != other.requestID { names.append("request_id") }
        if partner != other.partner { names.append("partner") }
        if purpose != other.purpose { names.append("purpose") }
        if caller != other.caller { names.append("caller") }
        if subjectKey != other.subjectKey { names.append("subject_key") }
        if decision != other.decision { names.append("decision") }
        return names
    }
}

/// One row as a store holds it, every column beside the canonical entry and its stored leaf hash: what
/// `audit verify` reads.
public struct StoredRow: Sendable {
    public let sequence: Int64
    public let columns: IndexColumns
    public let entry: [UInt8]
    public let leafHash: [UInt8]

    public init(sequence: Int64, columns: IndexColumns, entry: [UInt8], leafHash: [UInt8]) {
        self.sequence = sequence
        self.columns = columns
        self.entry = entry
        self.leafHash = leafHash
    }
}
