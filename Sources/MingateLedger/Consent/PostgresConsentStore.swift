import Foundation
import Logging
import NIOPosix
import PostgresNIO

public final class PostgresConsentStore: ConsentStore {
    private let connection: PostgresConnection
    private let logger = Logger(label: "mingate.consent")

    static let schema = [
        """
        CREATE TABLE IF NOT EXISTS ledger_key (
            id INTEGER PRIMARY KEY CHECK (id = 1), fingerprint TEXT NOT NULL, at TEXT NOT NULL)
        """
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
}
