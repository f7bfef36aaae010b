import Foundation
import MingatePolicy

/// Where ledger entries live. Used by one writer thread at a time; `append` is one durable commit.
public protocol LedgerStore: AnyObject {
    /// Appends the drafts in order as one durable transaction, or none of them; returns the entries written.
    func append(_ drafts: [LedgerDraft], at time: Date) throws(LedgerError) -> [LedgerEntry]
    /// Entries with sequence numbers in `range`, in order.
    func entries(in range: Range<Int64>) throws(LedgerError) -> [LedgerEntry]
    /// Rows with sequence numbers in `range`, in order, with every stored column: what `audit verify` checks.
    func rows(in range: Range<Int64>) throws(LedgerError) -> [StoredRow]
    /// How many entries the log holds (the next sequence number).
    func size() throws(LedgerError) -> Int64
    /// Checks the store would take a write: inserts a probe row in a transaction and rolls it back.
    func probe() throws(LedgerError)
    /// The stored leaf hashes of entries in `range`, in order.
    func leafHashes(in range: Range<Int64>) throws(LedgerError) -> [(sequence: Int64, hash: MerkleTree.Hash)]
    /// Stores a signed checkpoint (its note text) for `size`.
    func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) throws(LedgerError)
    /// Stored checkpoint notes for trees of at least `minimumSize` entries, smallest first, at most `limit`.
    func checkpoints(from minimumSize: Int, limit: Int) throws(LedgerError) -> [(size: Int, note: String)]
    /// The largest stored checkpoint and when it was stored.
    func latestCheckpoint() throws(LedgerError) -> StoredCheckpoint?
    /// Holds the log for this writer alone until `releaseLog()` or the process ends (a crash frees it at once);
    /// throws `originHeld` when another writer holds it. Called again, checks the hold is still there.
    func holdLog() throws(LedgerError)
    func releaseLog()
    /// Keeps a witness's cosignature line of the checkpoint of `size` (one per witness and size).
    func appendCosignature(size: Int, witness: String, line: String, at time: Date) throws(LedgerError)
    /// Every kept cosignature, by checkpoint size.
    func cosignatures() throws(LedgerError) -> [StoredCosignature]
    /// Disclosure entries matching `filter`, oldest first, after sequence `after`, at most `limit`; each checked
    /// against the filter through its canonical entry (`LedgerFilter.checked`).
    func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) throws(LedgerError) -> [LedgerEntry]
    /// Housekeeping the writer runs when idle (SQLite: fold the WAL back into the database file).
    func maintain() throws(LedgerError)
}

extension LedgerStore {
    /// Every stored checkpoint note, smallest tree first.
    public func checkpoints() throws(LedgerError) -> [(size: Int, note: String)] {
        try checkpoints(from: 0, limit: .max)
    }

    public func maintain() throws(LedgerError) {}
}

/// A signed checkpoint as stored: its tree size, its note and the RFC 3339 time it was stored.
public struct StoredCheckpoint: Sendable, Equatable {
    public let size: Int
    public let note: String
    public let createdAt: String

    public init(size: Int, note: String, createdAt: String) {
        self.size = size
        self.note = note
        self.createdAt = createdAt
    }

    /// The log it names (the note's first line); nil when the note does not parse.
    public var origin: String? { (try? SignedNote(parsing: note))?.text.split(separator: "\n").first.map(String.init) }

    /// Why a gateway signing as `origin` must not write this log, or nil when it may.
    public func originMismatch(signing origin: String) -> LedgerError? {
        guard let mine = self.origin, mine != origin else { return nil }
        return LedgerError(
            .originMismatch, "the checkpoint key signs origin \(origin), but this log's checkpoints are for \(mine): use that log's key, or another ledger")
    }
}

/// A witness's cosignature of one checkpoint, as kept beside it (`ledger_cosignatures`).
public struct StoredCosignature: Sendable, Equatable {
    public let size: Int
    /// The witness's key name.
    public let witness: String
    /// The signature line, ending in a newline.
    public let line: String
}

/// Where a page of search results ends: searches return records ordered by origin, then sequence. A store of one
/// log has the one origin "".
public struct LedgerPosition: Sendable, Equatable {
    public var origin: String
    public var sequence: Int64

    public init(origin: String = "", sequence: Int64) {
        self.origin = origin
        self.sequence = sequence
    }

    /// Before the first record of every log.
    public static let start = LedgerPosition(sequence: -1)

    /// Just after `entry`.
    public init(after entry: LedgerEntry) {
        self.init(origin: entry.origin, sequence: entry.sequence)
    }

    /// As `next_after` writes it: the sequence number, after `ORIGIN#` when the store holds several logs.
    public var text: String { origin.isEmpty ? String(sequence) : "\(origin)#\(sequence)" }

    /// Reads `text`: `SEQ` (in the log of `origin`, or the store's one log) or `ORIGIN#SEQ`; nil when it is neither.
    public init?(text: String, origin: String? = nil) {
        let (name, number) = text.lastIndex(of: "#").map { (String(text[..<$0]), text[text.index(after: $0)...]) } ?? (origin ?? "", Substring(text))
        let decimal = number == "-1" || (!number.isEmpty && number.allSatisfy { ("0"..."9").contains($0) })
        guard decimal, let sequence = Int64(number), !(name.isEmpty && text.contains("#")) else { return nil }
        self.init(origin: name, sequence: sequence)
    }
}

/// What an auditor searches by. Every field is optional; set fields must all match.
public struct LedgerFilter: Sendable, Equatable {
    public var partner: String?
    public var purpose: String?
    public var caller: String?
    public var subjectKey: String?
    public var decision: String?
    /// Bounds on the commit time, `since` inclusive, `until` exclusive.
    public var since: Date?
    public var until: Date?
    /// One request's entries: its decision and, when `includeOutcomes`, its outcome.
    public var requestID: String?
    /// Include outcome entries (by default only decisions).
    public var includeOutcomes: Bool = false
    /// Which decisions: `disclosure` (calls to partners, the default) or `inbound` (partners' hooks).
    public var kind: LedgerEntry.Kind = .disclosure
    /// Only this log's records; nil: every log in the store. A store of one log (SQLite) is named by its checkpoints'
    /// origin: asked for another, it has no records.
    public var origin: String?

    public init(
        partner: String? = nil, purpose: String? = nil, caller: String? = nil, subjectKey: String? = nil,
        decision: String? = nil, since: Date? = nil, until: Date? = nil, requestID: String? = nil
    ) {
        self.requestID = requestID
        self.partner = partner
        self.purpose = purpose
        self.caller = caller
        self.subjectKey = subjectKey
        self.decision = decision
        self.since = since
        self.until = until
    }
}

extension LedgerFilter {
    /// The bounds as the stores hold commit times (`2026-11-25T03:44:53.123Z`): compared as text, they order like
    /// the times they name, which an auditor's `…T00:00:00Z` would not against stored milliseconds.
    public var sinceText: String? { since.map(LedgerEncoding.timestamp) }
    public var untilText: String? { until.map(LedgerEncoding.timestamp) }

    /// The kinds of entry this filter asks for: its `kind`, and outcomes when `includeOutcomes` (never the shape
    /// entries a request's decision may have written, which belong to every record of that shape).
    public var kinds: [String] { includeOutcomes ? [kind.rawValue, LedgerEntry.Kind.outcome.rawValue] : [kind.rawValue] }

    /// The columns this filter asks to equal a value, by their names in the stores' tables, with the values a store's
    /// column holds for it (`IndexColumns.storedValues`): what the stores turn into SQL and `matcher` checks, from one
    /// list.
    public var equalities: [(column: String, value: String, stored: [String])] {
        let all: [(String, String?)] = [
            ("partner", partner), ("purpose", purpose), ("caller", caller), ("subject_key", subjectKey), ("decision", decision),
            ("request_id", requestID),
        ]
        return all.compactMap { column, value in value.map { (column, $0, IndexColumns.storedValues($0, column: column)) } }
    }

    /// Whether an entry with given columns (derived from its canonical entry) is one this filter asks for; with
    /// `stored`, whether an honest index would return it (the columns as the store keeps them, against the values the
    /// search asks the store for). The filter's values are prepared once, for all the entries of a page.
    public func matcher(stored: Bool = false) -> (IndexColumns) -> Bool {
        let (equalities, kinds, since, until) = (equalities, kinds, sinceText, untilText)
        return { columns in
            if !kinds.contains(columns.kind) { return false }
            for equality in equalities {
                let value = columns.value(of: equality.column, stored: stored)
                let found = stored ? value.map(equality.stored.contains) ?? false : value == equality.value
                if !found { return false }
            }
            if let since, columns.recordedAt < since { return false }
            if let until, columns.recordedAt >= until { return false }
            return true
        }
    }

    /// The entries an index returned for this filter, each checked through its canonical entry. An index may be
    /// coarser than the records (a version 2 subject column holds a key's prefix: two people can share it), so an
    /// entry an honest index would return but the search does not ask for is left out; one an honest index would not
    /// have returned was put there by an edited column: the answer cannot be trusted, so none is given.
    public func checked(_ entries: [LedgerEntry]) throws(LedgerError) -> [LedgerEntry] {
        let (matches, indexed) = (matcher(), matcher(stored: true))
        var kept: [LedgerEntry] = []
        kept.reserveCapacity(entries.count)
        for entry in entries {
            guard let (sequence, columns) = IndexColumns.of(entry: entry.encoded), sequence == entry.sequence, indexed(columns) else {
                throw Self.tampered(entry)
            }
            if matches(columns) { kept.append(entry) }
        }
        return kept
    }

    private static func tampered(_ entry: LedgerEntry) -> LedgerError {
        LedgerError(
            .indexTampered,
            "record \(entry.sequence) came back from the ledger's index but its canonical entry does not match the search: an index column was edited; run `mingate audit verify`")
    }
}

/// A ledger location as given to `--ledger`: `sqlite:PATH` (the embedded default) or
/// `postgres://user:password@host:port/database?origin=NAME` (several instances, one log per origin).
public enum LedgerURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String, durable: Bool = true)
    case postgres(PostgresLedgerStore.Location)

    public init(_ text: String) throws(LedgerError) {
        if text.hasPrefix("sqlite:"), text.count > 7 {
            let rest = text.dropFirst(7)
            if rest.hasSuffix("?sync=off") {
                self = .sqlite(path: String(rest.dropLast(9)), durable: false)
            } else {
                self = .sqlite(path: String(rest))
            }
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            self = .postgres(try PostgresLedgerStore.Location(url: text))
        } else {
            throw LedgerError(.badURL, "a ledger URL is sqlite:PATH or postgres://user:password@host:port/database?origin=NAME")
        }
    }

    /// Whether commits reach the disk before `append` returns (false only for `?sync=off`).
    public var isDurable: Bool {
        if case .sqlite(_, let durable) = self { return durable }
        return true
    }

    /// The URL without its password, for logs.
    public var description: String {
        switch self {
        case .sqlite(let path, let durable): "sqlite:\(path)\(durable ? "" : "?sync=off")"
        case .postgres(let location):
            "postgres://\(location.username)@\(location.host):\(location.port)/\(location.database)?origin=\(location.origin)"
        }
    }

    /// Opens the store this URL names, creating its tables when they do not exist.
    public func open() throws(LedgerError) -> any LedgerStore {
        switch self {
        case .sqlite(let path, let durable): try SQLiteLedgerStore(path: path, durable: durable)
        case .postgres(let location): try PostgresLedgerStore(location: location)
        }
    }
}
