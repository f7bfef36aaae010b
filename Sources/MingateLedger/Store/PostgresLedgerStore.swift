import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO

/// The ledger in PostgreSQL, for several gateway instances: each writes its own log, named by its origin, in one
/// pair of tables keyed by `(origin, seq)`. A commit returns once PostgreSQL has flushed it
/// (`synchronous_commit` on, the default). One connection, owned by the ledger writer's thread; after a failure
/// the next append reconnects, so the gateway recovers by itself when the database is back.
public final class PostgresLedgerStore: LedgerStore {
    public struct Location: Sendable, Equatable {
        public var host: String
        public var port: Int
        public var username: String
        public var password: String?
        public var database: String
        public var origin: String
    }

    public let location: Location
    private let logger: Logger
    private var connection: PostgresConnection?
    private var nextSequence: Int64 = 0
    private let shapes = ShapeBook()

    /// The tables, indexes and append-only triggers, created in one statement under a transaction-scoped advisory
    /// lock: instances starting together are serialised, and the lock ends with the statement whatever happens to
    /// the client (a lock held across round trips stalls every other instance when its holder does). A schema that
    /// is complete (its last object, the cosignatures' trigger, exists: the statement is all or nothing) takes no
    /// lock at all: `CREATE INDEX IF NOT EXISTS` would wait for every append in flight. A later schema change moves
    /// that sentinel to its own last object.
    static let schema = """
        DO $schema$ BEGIN
          IF EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_cosignatures_append_only') THEN RETURN; END IF;
          PERFORM pg_advisory_xact_lock(6962);
          CREATE TABLE IF NOT EXISTS ledger_entries (
              origin TEXT NOT NULL, seq BIGINT NOT NULL, kind TEXT NOT NULL, recorded_at TEXT NOT NULL,
              request_id TEXT NOT NULL, partner TEXT, purpose TEXT, caller TEXT, subject_key TEXT, decision TEXT,
              entry BYTEA NOT NULL, leaf_hash BYTEA NOT NULL, PRIMARY KEY (origin, seq));
          CREATE INDEX IF NOT EXISTS ledger_entries_partner ON ledger_entries(origin, partner, purpose);
          CREATE INDEX IF NOT EXISTS ledger_entries_subject ON ledger_entries(origin, subject_key);
          CREATE INDEX IF NOT EXISTS ledger_entries_request ON ledger_entries(origin, request_id);
          CREATE TABLE IF NOT EXISTS ledger_checkpoints (
              origin TEXT NOT NULL, tree_size BIGINT NOT NULL, root BYTEA NOT NULL, note TEXT NOT NULL,
              created_at TEXT NOT NULL, PRIMARY KEY (origin, tree_size));
          CREATE TABLE IF NOT EXISTS ledger_cosignatures (
              origin TEXT NOT NULL, tree_size BIGINT NOT NULL, witness TEXT NOT NULL, line TEXT NOT NULL,
              created_at TEXT NOT NULL, PRIMARY KEY (origin, tree_size, witness));
          CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS $function$
            BEGIN RAISE EXCEPTION 'the ledger is append-only'; END $function$;
          IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_entries_append_only') THEN
            CREATE TRIGGER ledger_entries_append_only BEFORE UPDATE OR DELETE ON ledger_entries
              FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_checkpoints_append_only') THEN
            CREATE TRIGGER ledger_checkpoints_append_only BEFORE UPDATE OR DELETE ON ledger_checkpoints
              FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
          END IF;
          IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'ledger_cosignatures_append_only') THEN
            CREATE TRIGGER ledger_cosignatures_append_only BEFORE UPDATE OR DELETE ON ledger_cosignatures
              FOR EACH ROW EXECUTE FUNCTION ledger_append_only();
          END IF;
        END $schema$
        """

    public init(location: Location, logger: Logger = Logger(label: "mingate.ledger.postgres")) throws(LedgerError) {
        self.location = location
        self.logger = logger
        let connection = try connect()
        do {
            _ = try connection.query(PostgresQuery(unsafeSQL: Self.schema), logger: logger).waitAtMost(Self.statementTimeout)
        } catch {
            throw Self.failure(error, "cannot create the ledger schema")
        }
        try loadNextSequence(connection)
    }

    deinit {
        try? connection?.close().wait()
    }

    private func connect() throws(LedgerError) -> PostgresConnection {
        if let connection, !connection.isClosed { return connection }
        connection = nil
        var configuration = PostgresConnection.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(3)
        do {
            let connected = try PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.next(), configuration: configuration, id: 1, logger: logger
            ).waitAtMost(Self.statementTimeout)
            connection = connected
            return connected
        } catch {
            throw Self.failure(error, "cannot reach PostgreSQL at \(location.host):\(location.port)", code: .storeUnavailable)
        }
    }

    private func loadNextSequence(_ connection: PostgresConnection) throws(LedgerError) {
        do {
            let rows = try connection.query(
                "SELECT COALESCE(MAX(seq) + 1, 0)::BIGINT FROM ledger_entries WHERE origin = \(location.origin)",
                logger: logger
            ).waitAtMost(Self.statementTimeout)
            nextSequence = try rows.first?.decode(Int64.self) ?? 0
        } catch {
            throw Self.failure(error, "cannot read the ledger's size")
        }
    }

    static func failure(_ error: any Error, _ message: String, code: LedgerError.Code = .storeFailed) -> LedgerError {
        if let error = error as? LedgerError { return error }
        if let psql = error as? PSQLError, let server = psql.serverInfo?[.message] {
            return LedgerError(code, "\(message): \(server)")
        }
        return LedgerError(code, "\(message): \(String(describing: error).prefix(200))")
    }

    /// How long one statement may take before the connection is given up (a stuck database must not stall the
    /// writer: appends fail, requests get 503, and the next append reconnects).
    static let statementTimeout: TimeAmount = .seconds(10)

    /// Runs `body` on a live connection; on failure drops the connection so the next call reconnects.
    private func withConnection<T>(_ what: String, _ body: (PostgresConnection) throws -> T) throws(LedgerError) -> T {
        let wasConnected = connection != nil && !(connection?.isClosed ?? true)
        let connection = try connect()
        if !wasConnected { try loadNextSequence(connection) }
        do {
            return try body(connection)
        } catch {
            if connection.isClosed || error is StatementTimeout {
                try? connection.close().wait()
                self.connection = nil
            }
            throw Self.failure(error, what)
        }
    }

    /// The connection that holds the log's advisory lock, if one does: a reconnect loses the hold.
    private var holding: ObjectIdentifier?

    public func holdLog() throws(LedgerError) {
        try withConnection("cannot hold the ledger") { connection in
            if holding == ObjectIdentifier(connection) { return }
            let rows = try connection.query(Self.holdSQL(origin: location.origin), logger: logger).waitAtMost(Self.statementTimeout)
            guard try rows.first?.decode(Bool.self) == true else { throw Self.heldElsewhere(location.origin) }
            holding = ObjectIdentifier(connection)
            // Whoever held it before may have appended since this store last read its size.
            try loadNextSequence(connection)
        }
    }

    public func releaseLog() {
        guard holding != nil, let connection, !connection.isClosed else { return }
        _ = try? connection.query(Self.releaseSQL(origin: location.origin), logger: logger).waitAtMost(Self.statementTimeout)
        holding = nil
    }

    /// A session lock on the origin, which PostgreSQL drops when the session ends (a crashed gateway's at once).
    static func holdSQL(origin: String) -> PostgresQuery { "SELECT pg_try_advisory_lock(7001, hashtext(\(origin)))" }
    static func releaseSQL(origin: String) -> PostgresQuery { "SELECT pg_advisory_unlock(7001, hashtext(\(origin)))" }
    static func heldElsewhere(_ origin: String) -> LedgerError {
        LedgerError(
            .originHeld,
            "another gateway instance writes origin \(origin): two writers would fork the log; give each instance its own origin (this one waits)")
    }

    public func append(_ drafts: [LedgerDraft], at time: Date) throws(LedgerError) -> [LedgerEntry] {
        try withConnection("ledger commit failed") { connection in
            let (insert, commit) = Self.insert(drafts, origin: location.origin, from: nextSequence, at: time, shapes: shapes)
            // One statement, its own transaction: all the rows or none.
            _ = try connection.query(insert, logger: logger).waitAtMost(Self.statementTimeout)
            nextSequence += Int64(commit.rows.count)
            shapes.learn(commit)
            return commit.entries
        }
    }

    public func entries(in range: Range<Int64>) throws(LedgerError) -> [LedgerEntry] {
        try read(
            """
            SELECT origin, seq, kind, recorded_at, request_id, entry FROM ledger_entries
            WHERE origin = \(location.origin) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
            """, "cannot read the ledger"
        ).withShapes { query throws(LedgerError) in try read(query, "cannot read the ledger") }
    }

    /// Runs a query for `entry(_:)` rows.
    private func read(_ query: PostgresQuery, _ what: String) throws(LedgerError) -> [LedgerEntry] {
        try withConnection(what) { connection in
            try connection.query(query, logger: logger).waitAtMost(Self.statementTimeout).map { try Self.entry($0) }
        }
    }

    public func probe() throws(LedgerError) {
        try withConnection("the ledger cannot be written") { connection in
            _ = try connection.query("BEGIN", logger: logger).waitAtMost(Self.statementTimeout)
            defer { _ = try? connection.query("ROLLBACK", logger: logger).waitAtMost(Self.statementTimeout) }
            _ = try connection.query(
                "INSERT INTO ledger_entries (origin, seq, kind, recorded_at, request_id, entry, leaf_hash) VALUES (\(location.origin), -1, 'probe', '', '', '\\x00'::bytea, '\\x00'::bytea)",
                logger: logger
            ).waitAtMost(Self.statementTimeout)
        }
    }

    public func size() throws(LedgerError) -> Int64 {
        try withConnection("cannot read the ledger") { connection in
            let rows = try connection.query(
                "SELECT COALESCE(MAX(seq) + 1, 0)::BIGINT FROM ledger_entries WHERE origin = \(location.origin)", logger: logger
            ).waitAtMost(Self.statementTimeout)
            return try rows.first?.decode(Int64.self) ?? 0
        }
    }

    public func leafHashes(in range: Range<Int64>) throws(LedgerError) -> [(sequence: Int64, hash: MerkleTree.Hash)] {
        try withConnection("cannot read the ledger") { connection in
            let rows = try connection.query(
                """
                SELECT seq, leaf_hash FROM ledger_entries
                WHERE origin = \(location.origin) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
                """, logger: logger
            ).waitAtMost(Self.statementTimeout)
            return try rows.map { row in
                let (seq, hash) = try row.decode((Int64, ByteBuffer).self)
                return (seq, Array(hash.readableBytesView))
            }
        }
    }

    public func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) throws(LedgerError) {
        try withConnection("cannot store the checkpoint") { connection in
            _ = try connection.query(
                """
                INSERT INTO ledger_checkpoints (origin, tree_size, root, note, created_at)
                VALUES (\(location.origin), \(Int64(checkpoint.size)), \(ByteBuffer(bytes: checkpoint.root)), \(note),
                        \(LedgerEncoding.timestamp(time)))
                ON CONFLICT DO NOTHING
                """, logger: logger
            ).waitAtMost(Self.statementTimeout)
        }
    }

    public func appendCosignature(size: Int, witness: String, line: String, at time: Date) throws(LedgerError) {
        try withConnection("cannot store the cosignature") { connection in
            _ = try connection.query(Self.appendCosignatureSQL(origin: location.origin, size: size, witness: witness, line: line, at: time), logger: logger)
                .waitAtMost(Self.statementTimeout)
        }
    }

    public func cosignatures() throws(LedgerError) -> [StoredCosignature] {
        try withConnection("cannot read the cosignatures") { connection in
            let rows = try connection.query(Self.cosignaturesSQL(origin: location.origin), logger: logger).waitAtMost(Self.statementTimeout)
            return try rows.map { row in
                let (size, witness, line) = try row.decode((Int64, String, String).self)
                return StoredCosignature(size: Int(size), witness: witness, line: line)
            }
        }
    }

    static func appendCosignatureSQL(origin: String, size: Int, witness: String, line: String, at time: Date) -> PostgresQuery {
        """
        INSERT INTO ledger_cosignatures (origin, tree_size, witness, line, created_at)
        VALUES (\(origin), \(Int64(size)), \(witness), \(line), \(LedgerEncoding.timestamp(time))) ON CONFLICT DO NOTHING
        """
    }

    static func cosignaturesSQL(origin: String) -> PostgresQuery {
        "SELECT tree_size, witness, line FROM ledger_cosignatures WHERE origin = \(origin) ORDER BY tree_size, witness"
    }

    public func latestCheckpoint() throws(LedgerError) -> StoredCheckpoint? {
        try withConnection("cannot read the checkpoints") { connection in
            let rows = try connection.query(
                Self.latestCheckpointSQL(origin: location.origin), logger: logger
            ).waitAtMost(Self.statementTimeout)
            return try rows.first.map { row in
                let (size, note, createdAt) = try row.decode((Int64, String, String).self)
                return StoredCheckpoint(size: Int(size), note: note, createdAt: createdAt)
            }
        }
    }

    static func latestCheckpointSQL(origin: String) -> PostgresQuery {
        "SELECT tree_size, note, created_at FROM ledger_checkpoints WHERE origin = \(origin) ORDER BY tree_size DESC LIMIT 1"
    }

    public func checkpoints(from minimumSize: Int, limit: Int) throws(LedgerError) -> [(size: Int, note: String)] {
        try withConnection("cannot read the checkpoints") { connection in
            let rows = try connection.query(
                """
                SELECT tree_size, note FROM ledger_checkpoints
                WHERE origin = \(location.origin) AND tree_size >= \(Int64(minimumSize)) ORDER BY tree_size LIMIT \(Int64(clamping: limit))
                """,
                logger: logger
            ).waitAtMost(Self.statementTimeout)
            return try rows.map { row in
                let (size, note) = try row.decode((Int64, String).self)
                return (Int(size), note)
            }
        }
    }

    public func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) throws(LedgerError) -> [LedgerEntry] {
        let (sql, bindings) = try Self.querySQL(filter, after: after, limit: limit)
        let entries = try read(PostgresQuery(unsafeSQL: sql, binds: bindings), "cannot query the ledger")
        return try filter.checked(entries).withShapes { query throws(LedgerError) in try read(query, "cannot query the ledger") }
    }

    public func rows(in range: Range<Int64>) throws(LedgerError) -> [StoredRow] {
        try withConnection("cannot read the ledger") { connection in
            let rows = try connection.query(
                """
                SELECT seq, kind, recorded_at, request_id, partner, purpose, caller, subject_key, decision, entry, leaf_hash
                FROM ledger_entries
                WHERE origin = \(location.origin) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
                """, logger: logger
            ).waitAtMost(Self.statementTimeout)
            return try rows.map { row in
                let (seq, kind, recordedAt, requestID, partner, purpose, caller, subjectKey, decision, entry, hash) = try row.decode(
                    (Int64, String, String, String, String?, String?, String?, String?, String?, ByteBuffer, ByteBuffer).self)
                let columns = IndexColumns(
                    kind: kind, recordedAt: recordedAt, requestID: requestID, partner: partner, purpose: purpose, caller: caller,
                    subjectKey: subjectKey, decision: decision)
                return StoredRow(
                    sequence: seq, columns: columns, entry: Array(entry.readableBytesView), leafHash: Array(hash.readableBytesView))
            }
        }
    }

    /// The multi-row INSERT of a commit and the entries it writes, numbered from `sequence` with the shape entries
    /// `shapes` does not know yet; shared by this store and `PostgresLedger`.
    static func insert(_ drafts: [LedgerDraft], origin: String, from first: Int64, at time: Date, shapes: ShapeBook)
        -> (PostgresQuery, ShapeBook.Commit)
    {
        let commit = shapes.plan(drafts, from: first, recordedAt: LedgerEncoding.timestamp(time))
        var bindings = PostgresBindings(capacity: commit.rows.count * 12)
        var rows: [String] = []
        for (entry, columns) in commit.rows {
            let base = bindings.count
            bindings.append(origin)
            bindings.append(entry.sequence)
            bindings.append(columns.kind)
            bindings.append(columns.recordedAt)
            bindings.append(columns.requestID)
            for column in columns.searchable { bindings.append(column) }
            bindings.append(ByteBuffer(bytes: entry.encoded))
            bindings.append(ByteBuffer(bytes: entry.leafHash))
            rows.append("(" + (1...12).map { "$\(base + $0)" }.joined(separator: ",") + ")")
        }
        let sql = """
            INSERT INTO ledger_entries (origin, seq, kind, recorded_at, request_id, partner, purpose, caller,
                subject_key, decision, entry, leaf_hash) VALUES \(rows.joined(separator: ","))
            """
        return (PostgresQuery(unsafeSQL: sql, binds: bindings), commit)
    }

    /// The query for the shape entries one log's records name (`LedgerEntry.shapeReferences`), in the columns
    /// `entry(_:)` reads; shared by this store and `PostgresLedger`.
    static func shapesQuery(origin: String, _ sequences: [Int64]) -> PostgresQuery {
        var bindings = PostgresBindings()
        bindings.append(origin)
        for sequence in sequences { bindings.append(sequence) }
        let list = (0..<sequences.count).map { "$\($0 + 2)" }.joined(separator: ",")
        return PostgresQuery(
            unsafeSQL: "SELECT origin, seq, kind, recorded_at, request_id, entry FROM ledger_entries WHERE origin = $1 AND seq IN (\(list))",
            binds: bindings)
    }

    /// An entry from a row of `origin, seq, kind, recorded_at, request_id, entry`.
    static func entry(_ row: PostgresRow) throws -> LedgerEntry {
        let (origin, seq, kind, recordedAt, requestID, entry) = try row.decode((String, Int64, String, String, String, ByteBuffer).self)
        var found = LedgerEntry(
            sequence: seq, kind: LedgerEntry.Kind(rawValue: kind) ?? .disclosure, recordedAt: recordedAt,
            requestID: requestID, encoded: Array(entry.readableBytesView))
        found.origin = origin
        return found
    }

    /// The SQL and bindings of a filtered query, shared by this store and `PostgresLedger`.
    /// A search over every log in the database (or the filter's origin), ordered by origin then sequence: a
    /// person's disclosures, consents and erasures are found whichever gateway instance recorded them.
    static func querySQL(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) throws(LedgerError) -> (String, PostgresBindings) {
        guard !after.origin.isEmpty || after.sequence < 0 else {
            throw LedgerError(.badPosition, "this store holds several logs: a position is ORIGIN#SEQ (the previous page's next_after), or give the origin")
        }
        var bindings = PostgresBindings()
        bindings.append(after.origin)
        bindings.append(after.sequence)
        var conditions = ["(origin, seq) > ($1, $2)"]
        if let origin = filter.origin {
            bindings.append(origin)
            conditions.append("origin = $\(bindings.count)")
        }
        // The kind is one of the enum's own raw values, never text from outside.
        conditions.append("kind IN (\(filter.kinds.map { "'\($0)'" }.joined(separator: ",")))")
        for equality in filter.equalities {
            var placeholders: [String] = []
            for value in equality.stored {
                bindings.append(value)
                placeholders.append("$\(bindings.count)")
            }
            conditions.append("\(equality.column) IN (\(placeholders.joined(separator: ",")))")
        }
        if let since = filter.sinceText {
            bindings.append(since)
            conditions.append("recorded_at >= $\(bindings.count)")
        }
        if let until = filter.untilText {
            bindings.append(until)
            conditions.append("recorded_at < $\(bindings.count)")
        }
        bindings.append(Int64(limit))
        let sql = "SELECT origin, seq, kind, recorded_at, request_id, entry FROM ledger_entries WHERE "
            + conditions.joined(separator: " AND ") + " ORDER BY origin, seq LIMIT $\(bindings.count)"
        return (sql, bindings)
    }
}

extension PostgresLedgerStore.Location {
    /// Parses `postgres://user:password@host:port/database?origin=NAME`.
    public init(url text: String) throws(LedgerError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme),
            let host = components.host, !host.isEmpty
        else { throw LedgerError(.badURL, "a PostgreSQL ledger URL is postgres://user:password@host:port/database?origin=NAME") }
        let database = String(components.path.drop(while: { $0 == "/" }))
        let origin = components.queryItems?.first(where: { $0.name == "origin" })?.value ?? "default"
        self.init(
            host: host, port: components.port ?? 5432, username: components.user ?? "postgres",
            password: components.password, database: database.isEmpty ? (components.user ?? "postgres") : database,
            origin: origin)
    }
}

/// A statement that did not finish in time.
struct StatementTimeout: Error {}

extension EventLoopFuture where Value: Sendable {
    /// Waits for the future, failing with `StatementTimeout` after `timeout`.
    func waitAtMost(_ timeout: TimeAmount) throws -> Value {
        let promise = eventLoop.makePromise(of: Value.self)
        let deadline = eventLoop.scheduleTask(in: timeout) { promise.fail(StatementTimeout()) }
        cascade(to: promise)
        promise.futureResult.whenComplete { _ in deadline.cancel() }
        return try promise.futureResult.wait()
    }
}

extension Array where Element == LedgerEntry {
    /// These entries (each read with its origin) with the shape entries their version 2 decisions name attached,
    /// read with `read`, one query per log they come from.
    func withShapes(_ read: (PostgresQuery) throws(LedgerError) -> [LedgerEntry]) throws(LedgerError) -> [LedgerEntry] {
        var shapes: [LedgerEntry] = []
        for (origin, sequences) in LedgerEntry.shapeReferences(self) {
            shapes += try read(PostgresLedgerStore.shapesQuery(origin: origin, sequences))
        }
        return try LedgerEntry.attaching(shapes, to: self)
    }

    /// The same, reading asynchronously.
    func withShapes(_ read: (PostgresQuery) async throws(LedgerError) -> [LedgerEntry]) async throws(LedgerError) -> [LedgerEntry] {
        var shapes: [LedgerEntry] = []
        for (origin, sequences) in LedgerEntry.shapeReferences(self) {
            shapes += try await read(PostgresLedgerStore.shapesQuery(origin: origin, sequences))
        }
        return try LedgerEntry.attaching(shapes, to: self)
    }
}
