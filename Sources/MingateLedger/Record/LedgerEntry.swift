import Crypto
import Foundation
import MingatePolicy

/// One entry of the disclosure ledger: a decision record or the outcome of a forwarded request.
///
/// `encoded` is the canonical encoding (`docs/ledger-format.md`): JSON, members sorted, no insignificant
/// whitespace, numbers as integers, format version `v: 1`. The Merkle leaf is `SHA-256(0x00 ‖ encoded)`
/// (RFC 6962 §2.1), so anyone holding the entries can recompute the tree.
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
    init(draft: LedgerDraft, sequence: Int64, recordedAt: String) {
        self.init(
            sequence: sequence, kind: draft.kind, recordedAt: recordedAt, requestID: draft.requestID,
            encoded: LedgerEncoding.encode(draft, sequence: sequence, time: recordedAt))
    }

    /// The entry's JSON, parsed.
    public var document: JSONValue? { try? JSONParser(maxDepth: 16).parse(encoded) }
}

/// What the writer is asked to append, before it has a sequence number and a time.
public enum LedgerDraft: Sendable {
    case disclosure(Disclosure)
    case outcome(Outcome)
    case refusals(RefusalSummary)
    case consent(ConsentEvent)
    case erasure(ErasureStatus)

    var requestID: String {
        switch self {
        case .disclosure(let disclosure): disclosure.requestID
        case .outcome(let outcome): outcome.requestID
        case .refusals(let summary): summary.id
        case .consent(let event): event.requestID
        case .erasure(let status): status.requestID
        }
    }

    public var kind: LedgerEntry.Kind {
        switch self {
        case .disclosure(let disclosure): disclosure.direction == .inbound ? .inbound : .disclosure
        case .outcome: .outcome
        case .refusals: .refusals
        case .consent: .consent
        case .erasure: .erasure
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
