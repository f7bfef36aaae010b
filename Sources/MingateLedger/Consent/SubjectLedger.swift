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
        SubjectLedger.inTimeOrder(
            try SubjectLedger.read(try await log.query(SubjectLedger.filter(.consent, subjectKey), after: .start, limit: SubjectLedger.limit), ConsentEvent.init(entry:)),
            at: \.at)
    }

    /// Every erasure status of a subject, oldest first.
    public func erasures(subjectKey: String) async throws(LedgerError) -> [ErasureStatus] {
        SubjectLedger.inTimeOrder(
            try SubjectLedger.read(try await log.query(SubjectLedger.filter(.erasure, subjectKey), after: .start, limit: SubjectLedger.limit), ErasureStatus.init(entry:)),
            at: \.at)
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

    /// Events as they happened: a search returns them by log, then sequence, and in a store of several logs a
    /// withdrawal recorded by one instance can come before the grant another recorded earlier. Ordered by their
    /// time (stable, so events of one log keep their order within a millisecond), and an event found twice (an
    /// earlier version's rows, imported into each instance's log) counted once.
    static func inTimeOrder<T: Equatable>(_ events: [T], at time: (T) -> String) -> [T] {
        var unique: [T] = []
        for event in events where !unique.contains(event) { unique.append(event) }
        return unique.enumerated().sorted { (time($0.element), $0.offset) < (time($1.element), $1.offset) }.map(\.element)
    }

    /// The entries read as `T`; an entry of the kind that does not read as one fails the read (it was not written
    /// by a gateway: `audit verify` names it).
    static func read<T>(_ entries: [LedgerEntry], _ decode: (LedgerEntry) -> T?) throws(LedgerError) -> [T] {
        var out: [T] = []
        for entry in entries {
            guard let value = decode(entry) else {
                throw LedgerError(.storeFailed, "record \(entry.sequence) is a \(entry.kind.rawValue) entry that does not read as one; run `mingate audit verify`")
            }
            out.append(value)
        }
        return out
    }
}

extension LedgerStore {
    /// A subject's consent events from the log, oldest first (the tools' synchronous read).
    public func consentHistory(subjectKey: String) throws(LedgerError) -> [ConsentEvent] {
        SubjectLedger.inTimeOrder(
            try SubjectLedger.read(try query(SubjectLedger.filter(.consent, subjectKey), after: .start, limit: SubjectLedger.limit), ConsentEvent.init(entry:)),
            at: \.at)
    }

    /// The current erasure status per (erasure, partner) of a subject, from the log.
    public func currentErasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus] {
        ErasureStatus.current(
            SubjectLedger.inTimeOrder(
                try SubjectLedger.read(try query(SubjectLedger.filter(.erasure, subjectKey), after: .start, limit: SubjectLedger.limit), ErasureStatus.init(entry:)),
                at: \.at))
    }
}
