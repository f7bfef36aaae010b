import MingatePolicy

/// A data subject's consents and erasures as entries of the ledger (`consent`, `erasure`), so the tree covers the
/// legal basis of every consent-based disclosure and the proof that recipients were told to erase. Written through
/// the writer: a call returns once its entry is durable, and the next checkpoint signs it. Read through the log's
/// index, each entry checked against its canonical bytes like any search. No cache: a withdrawal takes effect for the
/// very next request.
public struct SubjectLedger: Sendable {
    let writer: LedgerWriter
    let log: any LedgerLog

    public init(writer: LedgerWriter, log: any LedgerLog) {
        self.writer = writer
        self.log = log
    }

    public func record(_ event: ConsentEvent) async throws(LedgerError) {
        _ = try await writer.appendWaiting(.consent(event))
    }

    public func record(_ status: ErasureStatus) async throws(LedgerError) {
        _ = try await writer.appendWaiting(.erasure(status))
    }

    /// Every consent event of a subject, oldest first (by when each took effect, across every log in the store).
    public func history(subjectKey: String) async throws(LedgerError) -> [ConsentEvent] {
        try await events(of: subjectKey)
    }

    /// Every erasure status of a subject, oldest first.
    public func erasures(subjectKey: String) async throws(LedgerError) -> [ErasureStatus] {
        try await events(of: subjectKey)
    }

    private func events<Event: SubjectEvent>(of subjectKey: String) async throws(LedgerError) -> [Event] {
        try SubjectLedger.ordered(try await log.query(SubjectLedger.filter(Event.kind, subjectKey), after: .start, limit: SubjectLedger.limit))
    }

    /// The current status per (erasure, partner).
    public func currentErasures(subjectKey: String) async throws(LedgerError) -> [ErasureStatus] {
        ErasureStatus.current(try await erasures(subjectKey: subjectKey))
    }

    /// The first of `needs` not granted for this subject, partner and purpose; nil when all are.
    public func firstMissing(_ needs: [ConsentNeed], subjectKey: String?, partner: String, purpose: String) async throws(LedgerError)
        -> ConsentNeed?
    {
        guard !needs.isEmpty else { return nil }
        guard let subjectKey else { return needs.first }
        let history = try await history(subjectKey: subjectKey)
        return needs.first { !ConsentEvent.isGranted(in: history, partner: partner, purpose: purpose, kind: $0) }
    }

    /// A subject's entries of one kind. One person's history is small; the bound only keeps a runaway answer finite.
    static func filter(_ kind: LedgerEntry.Kind, _ subjectKey: String) -> LedgerFilter {
        var filter = LedgerFilter(subjectKey: subjectKey)
        filter.kind = kind
        return filter
    }

    static let limit = 1_000_000

    /// A subject's entries of one kind as events, as they happened. A search returns them by log, then sequence,
    /// and in a store of several logs a withdrawal recorded by one instance can come before the grant another
    /// recorded earlier: they are ordered by their time (stable, so events of one log keep their order within a
    /// millisecond), and an event found twice (an earlier version's rows, imported into each instance's log) counts
    /// once. An entry of the kind that does not read as one fails the read (no gateway wrote it: `audit verify`
    /// names it).
    static func ordered<Event: SubjectEvent>(_ entries: [LedgerEntry]) throws(LedgerError) -> [Event] {
        var unique: [Event] = []
        for entry in entries {
            guard let event = Event(entry: entry) else {
                throw LedgerError(.storeFailed, "record \(entry.sequence) is a \(entry.kind.rawValue) entry that does not read as one; run `mingate audit verify`")
            }
            if !unique.contains(event) { unique.append(event) }
        }
        return unique.enumerated().sorted { ($0.element.at, $0.offset) < ($1.element.at, $1.offset) }.map(\.element)
    }
}

/// What a subject's history is made of: consent events and erasure statuses, each an entry of its own kind.
protocol SubjectEvent: Equatable {
    static var kind: LedgerEntry.Kind { get }
    init?(entry: LedgerEntry)
    /// RFC 3339 UTC: when it happened.
    var at: String { get }
}

extension ConsentEvent: SubjectEvent {
    static var kind: LedgerEntry.Kind { .consent }
}

extension ErasureStatus: SubjectEvent {
    static var kind: LedgerEntry.Kind { .erasure }
}

extension LedgerStore {
    /// A subject's consent events from the log, oldest first (the tools' synchronous read).
    public func consentHistory(subjectKey: String) throws(LedgerError) -> [ConsentEvent] {
        try SubjectLedger.ordered(try query(SubjectLedger.filter(.consent, subjectKey), after: .start, limit: SubjectLedger.limit))
    }

    /// The current erasure status per (erasure, partner) of a subject, from the log.
    public func currentErasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus] {
        ErasureStatus.current(try SubjectLedger.ordered(try query(SubjectLedger.filter(.erasure, subjectKey), after: .start, limit: SubjectLedger.limit)))
    }
}
