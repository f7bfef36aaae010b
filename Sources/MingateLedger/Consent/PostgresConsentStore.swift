import Foundation
import Logging
import NIOPosix
import PostgresNIO

public final class PostgresConsentStore: ConsentStore, ErasureLog {
    private let connection: PostgresConnection
    private let logger = Logger(label: "mingate.consent")

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS consent_events (
            id BIGSERIAL PRIMARY KEY, subject_key TEXT NOT NULL, partner TEXT NOT NULL, purpose TEXT NOT NULL,
            kind TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, evidence TEXT)
        """,
        "CREATE INDEX IF NOT EXISTS consent_events_subject ON consent_events(subject_key)",
        """
        CREATE TABLE IF NOT EXISTS erasure_status (
            id BIGSERIAL PRIMARY KEY, erasure_id TEXT NOT NULL, subject_key TEXT NOT NULL, partner TEXT NOT NULL,
            channel TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT)
        """,
        """
        CREATE TABLE IF NOT EXISTS ledger_key (
            id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL, at TEXT NOT NULL)
        """,
    ]

    public init(location: PostgresLedgerStore.Location) throws(LedgerError) {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: .disable)
        do {
            connection = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 2, logger: logger
            ).wait()
            for statement in Self.schema {
                _ = try connection.query(PostgresQuery(unsafeSQL: statement), logger: logger).wait()
            }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot open the consent store", code: .storeUnavailable)
        }
    }

    deinit {
        try? connection.close().wait()
    }

    public func record(_ event: ConsentEvent) throws(LedgerError) {
        do {
            _ = try connection.query(
                """
                INSERT INTO consent_events (subject_key, partner, purpose, kind, state, at, evidence)
                VALUES (\(event.subjectKey), \(event.partner), \(event.purpose), \(event.kind.rawValue), \(event.state.rawValue), \(event.at), \(event.evidence))
                """, logger: logger
            ).wait()
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record consent")
        }
    }

    public func record(_ status: ErasureStatus) throws(LedgerError) {
        do {
            _ = try connection.query(
                """
                INSERT INTO erasure_status (erasure_id, subject_key, partner, channel, state, at, detail)
                VALUES (\(status.erasureID), \(status.subjectKey), \(status.partner), \(status.channel), \(status.state.rawValue), \(status.at), \(status.detail))
                """, logger: logger
            ).wait()
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record erasure status")
        }
    }

    public func erasures(subjectKey: String) throws(LedgerError) -> [ErasureStatus] {
        do {
            let rows = try connection.query(
                "SELECT erasure_id, subject_key, partner, channel, state, at, detail FROM erasure_status WHERE subject_key = \(subjectKey) ORDER BY id",
                logger: logger
            ).wait()
            return try rows.map { row in
                let (id, subject, partner, channel, state, at, detail) = try row.decode((String, String, String, String, String, String, String?).self)
                return ErasureStatus(
                    erasureID: id, subjectKey: subject, partner: partner, channel: channel,
                    state: ErasureStatus.State(rawValue: state) ?? .failed, at: at, detail: detail)
            }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read erasure status")
        }
    }

    public func keyFingerprint() throws(LedgerError) -> String? {
        do {
            let rows = try connection.query("SELECT fingerprint FROM ledger_key WHERE id = 1", logger: logger).wait()
            return try rows.first.map { try $0.decode(String.self) }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read the ledger key fingerprint")
        }
    }

    public func claimKeyFingerprint(_ fingerprint: String, at time: String) throws(LedgerError) -> String {
        do {
            _ = try connection.query(
                "INSERT INTO ledger_key (id, fingerprint, at) VALUES (1, \(fingerprint), \(time)) ON CONFLICT (id) DO NOTHING",
                logger: logger
            ).wait()
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record the ledger key fingerprint")
        }
        return try keyFingerprint() ?? fingerprint
    }

    public func history(subjectKey: String) throws(LedgerError) -> [ConsentEvent] {
        do {
            let rows = try connection.query(
                "SELECT subject_key, partner, purpose, kind, state, at, evidence FROM consent_events WHERE subject_key = \(subjectKey) ORDER BY id",
                logger: logger
            ).wait()
            return try rows.map { row in
                let (subject, partner, purpose, kind, state, at, evidence) = try row.decode((String, String, String, String, String, String, String?).self)
                return ConsentEvent(
                    subjectKey: subject, partner: partner, purpose: purpose, kind: ConsentEvent.Kind(rawValue: kind) ?? .purpose,
                    state: ConsentEvent.State(rawValue: state) ?? .withdrawn, at: at, evidence: evidence)
            }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read consent")
        }
    }
}
