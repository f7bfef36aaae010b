import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import Testing

@testable import MingateLedger

/// The stores the ledger suite runs against: SQLite always, PostgreSQL when `MINGATE_TEST_POSTGRES_URL` is set
/// (`.ci/run` starts one and sets it; under CI its absence is a failure, not a skip).
enum LedgerBackend: String, CaseIterable, CustomStringConvertible, Sendable {
    case sqlite, postgres

    var description: String { rawValue }

    static let postgresURL = ProcessInfo.processInfo.environment["MINGATE_TEST_POSTGRES_URL"]

    static var available: [LedgerBackend] { postgresURL == nil ? [.sqlite] : [.sqlite, .postgres] }

    /// A ledger URL naming a log no other test uses.
    func freshURL() -> String {
        switch self {
        case .sqlite:
            "sqlite:" + FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path
        case .postgres:
            Self.postgresURL! + "?origin=test-\(UUID().uuidString.prefix(8).lowercased())"
        }
    }

    /// Someone with write access to the database who goes around the append-only triggers.
    func attacker(_ url: String) throws -> any LedgerAttacker {
        switch self {
        case .sqlite: try SQLiteAttacker(path: String(url.dropFirst(7)))
        case .postgres: try PostgresAttacker(location: try PostgresLedgerStore.Location(url: url))
        }
    }
}

extension LedgerFilter {
    /// The filter searching only the log a test's URL names: a PostgreSQL test database holds every test's logs, and
    /// a search covers them all unless told one.
    func within(_ url: String) -> LedgerFilter {
        var filter = self
        filter.origin = (try? PostgresLedgerStore.Location(url: url))?.origin
        return filter
    }
}

protocol LedgerAttacker {
    func replaceEntry(_ sequence: Int64, with bytes: [UInt8], leafHash: [UInt8]?) throws
    func delete(from sequence: Int64, through last: Int64) throws
    func swap(_ first: Int64, _ second: Int64) throws
    /// Rewrites one index column of a row (`partner`, `subject_key`, …), leaving the canonical entry alone.
    func setColumn(_ sequence: Int64, _ column: String, to value: String) throws
}

struct SQLiteAttacker: LedgerAttacker {
    let database: SQLiteDatabase

    init(path: String) throws {
        database = try SQLiteDatabase(path: path)
        try database.execute("DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;")
    }

    func replaceEntry(_ sequence: Int64, with bytes: [UInt8], leafHash: [UInt8]?) throws {
        let update = try database.prepare(
            leafHash == nil ? "UPDATE ledger_entries SET entry = ?1 WHERE seq = ?2" : "UPDATE ledger_entries SET entry = ?1, leaf_hash = ?3 WHERE seq = ?2")
        update.bind(1, bytes)
        update.bind(2, sequence)
        if let leafHash { update.bind(3, leafHash) }
        _ = try update.step()
    }

    func delete(from sequence: Int64, through last: Int64) throws {
        try database.execute("DELETE FROM ledger_entries WHERE seq >= \(sequence) AND seq <= \(last)")
    }

    func setColumn(_ sequence: Int64, _ column: String, to value: String) throws {
        let update = try database.prepare("UPDATE ledger_entries SET \(column) = ?1 WHERE seq = ?2")
        update.bind(1, value)
        update.bind(2, sequence)
        _ = try update.step()
    }

    func swap(_ first: Int64, _ second: Int64) throws {
        try database.execute(
            "UPDATE ledger_entries SET seq = -1 WHERE seq = \(first); UPDATE ledger_entries SET seq = \(first) WHERE seq = \(second); UPDATE ledger_entries SET seq = \(second) WHERE seq = -1;")
    }
}

final class PostgresAttacker: LedgerAttacker {
    let connection: PostgresConnection
    let origin: String
    let logger = Logger(label: "attacker")

    init(location: PostgresLedgerStore.Location) throws {
        let configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: .disable)
        connection = try PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 9, logger: Logger(label: "attacker")
        ).wait()
        origin = location.origin
        // The table's owner can switch its trigger off (table-wide, so attackers take turns), then back on.
        _ = try connection.query("SELECT pg_advisory_lock(4242)", logger: logger).wait()
        _ = try connection.query("ALTER TABLE ledger_entries DISABLE TRIGGER ledger_entries_append_only", logger: logger).wait()
    }

    deinit {
        _ = try? connection.query("ALTER TABLE ledger_entries ENABLE TRIGGER ledger_entries_append_only", logger: logger).wait()
        try? connection.close().wait()
    }

    func replaceEntry(_ sequence: Int64, with bytes: [UInt8], leafHash: [UInt8]?) throws {
        if let leafHash {
            _ = try connection.query(
                "UPDATE ledger_entries SET entry = \(ByteBuffer(bytes: bytes)), leaf_hash = \(ByteBuffer(bytes: leafHash)) WHERE origin = \(origin) AND seq = \(sequence)",
                logger: logger
            ).wait()
        } else {
            _ = try connection.query(
                "UPDATE ledger_entries SET entry = \(ByteBuffer(bytes: bytes)) WHERE origin = \(origin) AND seq = \(sequence)", logger: logger
            ).wait()
        }
    }

    func delete(from sequence: Int64, through last: Int64) throws {
        _ = try connection.query(
            "DELETE FROM ledger_entries WHERE origin = \(origin) AND seq >= \(sequence) AND seq <= \(last)", logger: logger
        ).wait()
    }

    func setColumn(_ sequence: Int64, _ column: String, to value: String) throws {
        _ = try connection.query(
            PostgresQuery(
                unsafeSQL: "UPDATE ledger_entries SET \(column) = $1 WHERE origin = $2 AND seq = $3",
                binds: { var binds = PostgresBindings(); binds.append(value); binds.append(origin); binds.append(sequence); return binds }()),
            logger: logger
        ).wait()
    }

    func swap(_ first: Int64, _ second: Int64) throws {
        for (from, to) in [(first, Int64(-1)), (second, first), (Int64(-1), second)] {
            _ = try connection.query(
                "UPDATE ledger_entries SET seq = \(to) WHERE origin = \(origin) AND seq = \(from)", logger: logger
            ).wait()
        }
    }
}

@Suite struct LedgerBackendTests {
    @Test func postgresIsThereUnderCI() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(LedgerBackend.postgresURL != nil, "CI must run the ledger suite against PostgreSQL too")
        }
        if LedgerBackend.postgresURL == nil {
            FileHandle.standardError.write(Data("""

                ************************************************************************************************
                *  PostgreSQL ledger cases SKIPPED: MINGATE_TEST_POSTGRES_URL is not set. Only SQLite was tested.
                *  To run them: MINGATE_TEST_POSTGRES_URL=postgres://USER:PASSWORD@127.0.0.1:5432/DB swift test
                ************************************************************************************************


                """.utf8))
        }
    }

    /// Shows in the test summary as skipped, with the reason, when PostgreSQL is not configured.
    @Test(.enabled(if: LedgerBackend.postgresURL != nil, "SKIPPED: the ledger suite's PostgreSQL cases (set MINGATE_TEST_POSTGRES_URL)"))
    func postgresCasesRan() {
        #expect(LedgerBackend.available.contains(.postgres))
    }
}
