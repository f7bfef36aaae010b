import Crypto
import Foundation
import MingatePolicy

/// One entry of the disclosure ledger: a decision record or the outcome of a forwarded request.
///
/// `encoded` is the canonical encoding (`docs/ledger-format.md`): JSON, members sorted, no insignificant
/// whitespace, numbers as integers, format version `v: 2` for decisions, outcomes and shapes (`v: 1` for the other
/// kinds, and for every entry written before version 2). The Merkle leaf is `SHA-256(0x00 ‖ encoded)` (RFC 6962
/// §2.1), so anyone holding the entries can recompute the tree.
public struct LedgerEntry: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case disclosure, outcome
        /// Refusals of callers that could not be identified, counted per window, reason and source.
        case refusals
        /// A partner's hook: what a partner sent the platform, as delivered to an internal service (or refused).
        case inbound
        /// A data subject's consent granted or withdrawn: the legal basis of consent-based disclosures.
        case consent
        /// Where one recipient stands on one erasure request (told, failed, notice pending or sent).
        case erasure
        /// What the decision records of one shape share (`RecordShape`), named once.
        case shape
    }

    public let sequence: Int64
    public let kind: Kind
    /// RFC 3339 UTC time of the commit that wrote it.
    public let recordedAt: String
    public let requestID: String
    public let encoded: [UInt8]
    /// The log the entry belongs to, in a store that holds several (PostgreSQL, one per gateway instance); empty in
    /// a store of one log (SQLite). Not part of the entry: the log's checkpoints name it.
    public var origin = ""

    /// The RFC 6962 leaf hash of this entry, computed once from `encoded`.
    public let leafHash: [UInt8]
    /// The `shape` entry a version 2 decision names, attached by the store that read both: `document` reads the
    /// record with it.
    public var shape: AttachedShape?

    public init(sequence: Int64, kind: Kind, recordedAt: String, requestID: String, encoded: [UInt8]) {
        self.sequence = sequence
        self.kind = kind
        self.recordedAt = recordedAt
        self.requestID = requestID
        self.encoded = encoded
        self.leafHash = MerkleTree.leafHash(encoded)
    }

    /// The entry a store writes for a draft at `sequence`, committed at `recordedAt` (RFC 3339, formatted once per
    /// commit): its canonical encoding and leaf hash.
    init(draft: LedgerDraft, sequence: Int64, recordedAt: String, shape: Int64? = nil) {
        self.init(
            sequence: sequence, kind: draft.kind, recordedAt: recordedAt, requestID: draft.requestID,
            encoded: LedgerEncoding.encode(draft, sequence: sequence, time: recordedAt, shape: shape))
    }

    /// The sequence number of the shape entry this record names: a version 2 decision's `shape`.
    public var shapeReference: Int64? {
        guard kind == .disclosure || kind == .inbound else { return nil }
        return EntryHead(encoded)?.shape
    }

    /// The record as an auditor reads it: the entry's JSON, and for a version 2 decision with its shape attached,
    /// the shape's members too (`disclosed`, `withheld`, `partner_legal_entity`, `route`…), so every reader sees one
    /// form whatever the version. The record's own members win; `seq`, `time`, `kind`, `request_id` and `v` are the
    /// record's.
    public var document: JSONValue? {
        guard case .object(var record)? = try? JSONParser(maxDepth: 16).parse(encoded) else { return nil }
        for (name, value) in shape?.members ?? [] where record[name] == nil { record[name] = value }
        return .object(record)
    }

    /// The record's own top-level `reason` (`allowed` or a refusal code), read without parsing the whole record.
    public var reason: String? { EntryHead(encoded)?[.reason] }
}

/// A shape entry as attached to the records that name it: its canonical bytes (what the API returns beside them)
/// and its members a record is read with, parsed once for every record of the page that names it.
public struct AttachedShape: Sendable, Equatable {
    public let encoded: [UInt8]
    /// The shape's members but `seq`, `time`, `kind`, `request_id` and `v`, which are each record's own.
    let members: [(name: String, value: JSONValue)]

    init?(_ encoded: [UInt8]) {
        guard case .object(let object)? = try? JSONParser(maxDepth: 16).parse(encoded) else { return nil }
        self.encoded = encoded
        members = object.members.filter { !["seq", "time", "kind", "request_id", "v"].contains($0.name) }
    }

    public static func == (lhs: AttachedShape, rhs: AttachedShape) -> Bool { lhs.encoded == rhs.encoded }
}

extension LedgerEntry {
    /// The shape entries `entries` name, per log (origin): what a store reads to attach them.
    static func shapeReferences(_ entries: [LedgerEntry]) -> [String: [Int64]] {
        var references: [String: Set<Int64>] = [:]
        for entry in entries {
            if let shape = entry.shapeReference { references[entry.origin, default: []].insert(shape) }
        }
        return references.mapValues { $0.sorted() }
    }

    /// `entries` with the shapes they name attached (`shapes`: what the store read for `shapeReferences`). A record
    /// whose shape is not among them, or is not a shape entry, fails the read: without it, the record would be read
    /// as disclosing nothing.
    static func attaching(_ shapes: [LedgerEntry], to entries: [LedgerEntry]) throws(LedgerError) -> [LedgerEntry] {
        var byPlace: [String: [Int64: AttachedShape]] = [:]
        for shape in shapes {
            guard let head = EntryHead(shape.encoded), head[.kind] == Kind.shape.rawValue, head.seq == shape.sequence,
                let attached = AttachedShape(shape.encoded)
            else { continue }
            byPlace[shape.origin, default: [:]][shape.sequence] = attached
        }
        return try entries.map { entry throws(LedgerError) in
            guard let reference = entry.shapeReference else { return entry }
            guard reference < entry.sequence, let shape = byPlace[entry.origin]?[reference] else {
                throw LedgerError(
                    .shapeMissing, "record \(entry.sequence) names shape entry \(reference), which the log does not hold; run `mingate audit verify`")
            }
            var attached = entry
            attached.shape = shape
            return attached
        }
    }
}

/// What the writer is asked to append, before it has a sequence number and a time.
public enum LedgerDraft: Sendable {
    case disclosure(Disclosure)
    case outcome(Outcome)
    case refusals(RefusalSummary)
    case consent(ConsentEvent)
    case erasure(ErasureStatus)
    /// Written by a store before the first record of a shape (`ShapeBook`), never asked for; `requestID` is that
    /// record's request.
    case shape(RecordShape, requestID: String)

    var requestID: String {
        switch self {
        case .disclosure(let disclosure): disclosure.requestID
        case .outcome(let outcome): outcome.requestID
        case .refusals(let summary): summary.id
        case .consent(let event): event.requestID
        case .erasure(let status): status.requestID
        case .shape(_, let requestID): requestID
        }
    }

    public var kind: LedgerEntry.Kind {
        switch self {
        case .disclosure(let disclosure): disclosure.direction == .inbound ? .inbound : .disclosure
        case .outcome: .outcome
        case .refusals: .refusals
        case .consent: .consent
        case .erasure: .erasure
        case .shape: .shape
        }
    }
}

/// Requests refused before their caller was identified, counted: one entry per window, reason and source instead of
/// one per request, so a flood of anonymous requests cannot grow the ledger without bound. The source is a keyed
/// digest of the client's address, never the address.
public struct RefusalSummary: Sendable, Equatable {
    /// `refusals/<window start>/<reason>/<source>`: the entry's request id.
    public var id: String { "refusals/\(windowStart)/\(reason)/\(source)" }
    /// RFC 3339 UTC start of the window.
    public var windowStart: String
    public var windowSeconds: Int
    /// The refusal code, e.g. `unauthenticated`.
    public var reason: String
    /// Keyed digest of the client address.
    public var source: String
    /// The declared partner the requests were aimed at, when the path named one.
    public var partner: String?
    public var count: Int

    public init(windowStart: String, windowSeconds: Int, reason: String, source: String, partner: String?, count: Int) {
        self.windowStart = windowStart
        self.windowSeconds = windowSeconds
        self.reason = reason
        self.source = source
        self.partner = partner
        self.count = count
    }
}

/// What happened after a forwarded request: the partner's answer, or why there was none.
public struct Outcome: Sendable, Equatable {
    public var requestID: String
    /// Sequence number of the decision record this outcome belongs to.
    public var decisionSequence: Int64
    public var partner: String
    /// The partner's HTTP status, nil when it never answered.
    public var status: Int?
    public var bytesSent: Int
    public var bytesReceived: Int
    public var latencyMilliseconds: Int
    /// A refusal code (`partner_timeout`, `partner_unreachable`…) when the call failed.
    public var error: String?
    /// How the answer went back to the caller: `minimised` to the purpose's `response:` allowlist, `relayed` whole
    /// (no allowlist); nil when there was no answer.
    public var response: String?
    /// What the caller received from the partner's answer (paths, categories, transforms; never a value).
    public var received: [DisclosedField]

    public init(
        requestID: String, decisionSequence: Int64, partner: String, status: Int?, bytesSent: Int, bytesReceived: Int,
        latencyMilliseconds: Int, error: String?, response: String? = nil, received: [DisclosedField] = []
    ) {
        self.response = response
        self.received = received
        self.requestID = requestID
        self.decisionSequence = decisionSequence
        self.partner = partner
        self.status = status
        self.bytesSent = bytesSent
        self.bytesReceived = bytesReceived
        self.latencyMilliseconds = latencyMilliseconds
        self.error = error
    }
}
