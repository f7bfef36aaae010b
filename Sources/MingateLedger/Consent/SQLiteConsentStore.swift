import Foundation

public final class SQLiteConsentStore: ConsentStore, ErasureLog {
    private let database: SQLiteDatabase

    static let schema = """
        CREATE TABLE IF NOT EXISTS consent_events (
            id INTEGER PRIMARY KEY AUTOINCREMENT, subject_key TEXT NOT NULL, partner TEXT NOT NULL, purpose TEXT NOT NULL,
            kind TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, evidence TEXT);
        CREATE INDEX IF NOT EXISTS consent_events_subject ON consent_events(subject_key);
        CREATE TRIGGER IF NOT EXISTS consent_events_no_update BEFORE UPDATE ON consent_events
            BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS consent_events_no_delete BEFORE DELETE ON consent_events
            BEGIN SELECT RAISE(ABORT, 'consent history is append-only'); END;
        CREATE TABLE IF NOT EXISTS erasure_status (
            id INTEGER PRIMARY KEY AUTOINCREMENT, erasure_id TEXT NOT NULL, subject_key TEXT NOT NULL,
            partner TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT);
        CREATE INDEX IF NOT EXISTS erasure_status_subject ON erasure_status(subject_key);
        CREATE TRIGGER IF NOT EXISTS erasure_status_no_update BEFORE UPDATE ON erasure_status
            BEGIN SELECT RAISE(ABORT, 'the erasure log is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS erasure_status_no_delete BEFORE DELETE ON erasure_status
            BEGIN SELECT RAISE(ABORT, 'the erasure log is append-only'); END;
        CREATE TABLE IF NOT EXISTS ledger_key (
            id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL, at TEXT NOT NULL);
        CREATE TRIGGER IF NOT EXISTS ledger_key_no_update BEFORE UPDATE ON ledger_key
            BEGIN SELECT RAISE(ABORT, 'the ledger key fingerprint is recorded once'); END;
        """

    public init(path: String, durable: Bool = true) throws(LedgerError) {
        database = try SQLiteDatabase(path: path)
        try database.execute("PRAGMA journal_mode=WAL; PRAGMA synchronous=\(durable ? "FULL" : "OFF");")
        try database.execute(Self.schema)
    }

    public func record(_ event: ConsentEvent) throws(LedgerError) {
        let insert = try database.prepare(
            "INSERT INTO consent_events (subject_key, partner, purpose, kind, state, at, evidence) VALUES (?, ?, ?, ?, ?, ?, ?)")
        insert.bind(1, event.subjectKey)
        insert.bind(2, event.partner)
        insert.bind(3, event.purpose)
        insert.bind(4, event.kind.rawValue)
        insert.bind(5, event.state.rawValue)
        insert.bind(6, event.at)
        insert.bind(7, event.evidence)
        _ = try insert.step()
    }

    public func record(_ status: ErasureStatus) throws(LedgerError) {
        let insert = try database.prepare(
            "INSERT INTO erasure_status (erasure_id, subject_key, partner, channel, state, at, detail) VALUES (?, ?, ?, ?, ?, ?, ?)")
        for (index, value) in [status.erasureID, status.subjectKey, status.partner, status.channel, status.state.rawValue, status.at].enumerated() {
            insert.bind(Int32(index + 1), value)
        }
        insert.bind(7, status.detail)
        _ = try insert.step()
    }

    public func erasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus] {
        let query = try database.prepare(
            "SELECT erasure_id, subject_key, partner, channel, state, at, detail FROM erasure_status WHERE subject_key = ? ORDER BY id")
        query.bind(1, subjectKey)
        var out: [ErasureStatus] = []
        while try query.step() {
            out.append(
                ErasureStatus(
                    erasureID: query.text(0) ?? "", subjectKey: query.text(1) ?? "", partner: query.text(2) ?? "",
                    channel: query.text(3) ?? "", state: ErasureStatus.State(rawValue: query.text(4) ?? "") ?? .failed,
                    at: query.text(5) ?? "", detail: query.text(6)))
        }
        return out
    }

    public func keyFingerprint() throws(LedgerError) -> String? {
        let query = try database.prepare("SELECT fingerprint FROM ledger_key WHERE id = 1")
        return try query.step() ? query.text(0) : nil
    }

    public func claimKeyFingerprint(_ fingerprint: String, at time: String) throws(LedgerError) -> String {
        let insert = try database.prepare("INSERT OR IGNORE INTO ledger_key (id, fingerprint, at) VALUES (1, ?, ?)")
        insert.bind(1, fingerprint)
        insert.bind(2, time)
        _ = try insert.step()
        return try keyFingerprint() ?? fingerprint
    }

    public func history(subjectKey: String) throws(LedgerError) -> [ConsentEvent] {
        let query = try database.prepare(
            "SELECT subject_key, partner, purpose, kind, state, at, evidence FROM consent_events WHERE subject_key = ? ORDER BY id")
        query.bind(1, subjectKey)
        var out: [ConsentEvent] = []
        while try query.step() {
            out.append(
                ConsentEvent(
                    subjectKey: query.text(0) ?? "", partner: query.text(1) ?? "", purpose: query.text(2) ?? "",
                    kind: ConsentEvent.Kind(rawValue: query.text(3) ?? "") ?? .purpose,
                    state: ConsentEvent.State(rawValue: query.text(4) ?? "") ?? .withdrawn, at: query.text(5) ?? "",
                    evidence: query.text(6)))
        }
        return out
    }
}
