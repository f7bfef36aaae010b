import Foundation

public final class SQLiteConsentStore: ConsentStore {
    private let database: SQLiteDatabase

    static let schema = """
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

    /// Every row of the tables earlier versions kept consents and erasures in, oldest first.
    public func legacyRecords() throws(LedgerError) -> LegacyRecords {
        var records = LegacyRecords()
        if try hasTable("consent_events") {
            let query = try database.prepare(
                "SELECT id, subject_key, partner, purpose, kind, state, at, evidence FROM consent_events ORDER BY id")
            while try query.step() {
                records.consents.append(
                    LegacyRecords.consent(
                        id: query.int64(0), subjectKey: query.text(1) ?? "", partner: query.text(2) ?? "",
                        purpose: query.text(3) ?? "", kind: query.text(4) ?? "", state: query.text(5) ?? "",
                        at: query.text(6) ?? "", evidence: query.text(7)))
            }
        }
        if try hasTable("erasure_status") {
            let query = try database.prepare(
                "SELECT erasure_id, subject_key, partner, channel, state, at, detail FROM erasure_status ORDER BY id")
            while try query.step() {
                records.erasures.append(
                    LegacyRecords.erasure(
                        id: query.text(0) ?? "", subjectKey: query.text(1) ?? "", partner: query.text(2) ?? "",
                        channel: query.text(3) ?? "", state: query.text(4) ?? "", at: query.text(5) ?? "", detail: query.text(6)))
            }
        }
        return records
    }

    private func hasTable(_ name: String) throws(LedgerError) -> Bool {
        let query = try database.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?")
        query.bind(1, name)
        return try query.step()
    }
}
