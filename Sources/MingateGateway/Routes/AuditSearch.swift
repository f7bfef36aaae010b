import Foundation
import MingateLedger
import MingatePolicy

/// One search of the ledger as the auditor asks for it: the filter the stores index, plus the refusal reason, which
/// only the record itself holds and so is matched here, page by page. `GET /audit/records`, the overview, the
/// console and the access report all read through `page`, so no view can disagree with a search.
struct AuditSearch: Sendable {
    var filter = LedgerFilter()
    /// `allowed` or a refusal code.
    var reason: String?

    /// How many records one page may look at to find `limit` with the asked reason before it answers with fewer
    /// and a `next_after` to go on from (so a rare reason over a large ledger is paged, never a timeout).
    static let scanPerPage = 20_000

    /// The search's parameters, as `/audit/records` takes them (minus paging), checked strictly.
    static let parameters: Set<String> = [
        "partner", "purpose", "caller", "subject_key", "decision", "reason", "request_id", "since", "until", "kind", "origin",
    ]

    init(filter: LedgerFilter = LedgerFilter(), reason: String? = nil) {
        self.filter = filter
        self.reason = reason
    }

    /// Reads the search from checked parameter values; names are checked against the running policy, a reason against
    /// the refusal codes, times against RFC 3339 UTC.
    init(_ values: [String: String], policy: PolicySet) throws(Refusal) {
        if let decision = values["decision"], !["forward", "refuse"].contains(decision) {
            throw Refusal(.badRequest, "decision is forward or refuse")
        }
        func time(_ bound: String) throws(Refusal) -> Date? {
            guard let text = values[bound] else { return nil }
            guard let date = LedgerEncoding.date(text) else {
                throw Refusal(.badRequest, "\(bound) is an RFC 3339 UTC time like 2026-11-25T00:00:00Z")
            }
            return date
        }
        if let reason = values["reason"], reason != "allowed", Refusal.Code(rawValue: reason) == nil {
            throw Refusal(.badRequest, "reason '\(reason)' is neither 'allowed' nor a refusal code (README, \"Error codes\")")
        }
        if let key = values["subject_key"], key.utf8.count != 64 || !key.utf8.allSatisfy({ Self.isHex($0) }) {
            throw Refusal(.badRequest, "subject_key is 64 lowercase hex digits (a keyed hash, never the id itself)")
        }
        let searchable: [LedgerEntry.Kind] = [.disclosure, .inbound, .consent, .erasure]
        guard let kind = LedgerEntry.Kind(rawValue: values["kind"] ?? "disclosure"), searchable.contains(kind) else {
            throw Refusal(
                .badRequest,
                "kind is disclosure (calls to partners), inbound (partners' hooks), consent (consents granted or withdrawn) or erasure (erasure status per recipient)")
        }
        try policy.checkSearch(partner: values["partner"], purpose: values["purpose"], caller: values["caller"], hooks: kind == .inbound)
        filter = LedgerFilter(
            partner: values["partner"], purpose: values["purpose"], caller: values["caller"],
            subjectKey: values["subject_key"], decision: values["decision"], since: try time("since"), until: try time("until"),
            requestID: values["request_id"])
        filter.kind = kind
        if let origin = values["origin"] {
            guard SignedNote.isValidName(origin), origin.utf8.count <= 200 else {
                throw Refusal(.badRequest, "origin is a log's name (the first line of its checkpoints)")
            }
            filter.origin = origin
        }
        // One request's entries include its outcome, so a record can be read with what became of it.
        filter.includeOutcomes = values["request_id"] != nil
        reason = values["reason"]
        if let reason {
            // The reason decides the decision: narrow the indexed query before matching the records.
            let decision = reason == "allowed" ? "forward" : "refuse"
            if let asked = filter.decision, asked != decision {
                throw Refusal(.badRequest, "reason '\(reason)' is only on \(decision) decisions, not decision=\(asked)")
            }
            filter.decision = decision
        }
    }

    static func isHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    /// Up to `limit` matching entries after `after`, by origin then sequence, and where the next page starts (nil at
    /// the end). With a reason, looks at no more than `scanPerPage` records before answering.
    func page(_ log: any LedgerLog, after: LedgerPosition, limit: Int) async throws(LedgerError) -> (entries: [LedgerEntry], next: LedgerPosition?) {
        guard let reason else {
            let entries = try await log.query(filter, after: after, limit: limit)
            return (entries, entries.count == limit ? entries.last.map(LedgerPosition.init(after:)) : nil)
        }
        var found: [LedgerEntry] = []
        var cursor = after
        var scanned = 0
        while true {
            let batch = try await log.query(filter, after: cursor, limit: 1000)
            for entry in batch {
                cursor = LedgerPosition(after: entry)
                guard entry.reason == reason else { continue }
                found.append(entry)
                if found.count == limit { return (found, cursor) }
            }
            scanned += batch.count
            if batch.count < 1000 { return (found, nil) }
            if scanned >= Self.scanPerPage { return (found, cursor) }
        }
    }

    /// Every matching entry, oldest first, page by page through `page`; stops after `limit` entries. Returns whether
    /// it saw them all.
    func each(_ log: any LedgerLog, limit: Int = .max, _ visit: (LedgerEntry) -> Void) async throws(LedgerError) -> Bool {
        var after = LedgerPosition.start
        var seen = 0
        while true {
            let page = try await page(log, after: after, limit: 1000)
            for entry in page.entries { visit(entry) }
            seen += page.entries.count
            guard let next = page.next else { return true }
            if seen >= limit { return false }
            after = next
        }
    }
}

extension Refusal {
    /// What an auditor or admin is told when a ledger read fails: no such record; an index that disagrees with the
    /// records (never answered around); or the store cannot be read now.
    init(reading error: LedgerError) {
        switch error.code {
        case .notFound: self.init(.notFound, error.message)
        case .indexTampered: self.init(.ledgerIndexTampered, error.message)
        case .shapeMissing: self.init(.ledgerShapeMissing, error.message)
        case .badPosition: self.init(.badRequest, error.message)
        default: self.init(.ledgerUnavailable, "the ledger cannot be read now")
        }
    }
}
