import Foundation
import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import PostgresNIO
import ServiceLifecycle

/// The ledger in PostgreSQL as the gateway uses it: postgres-nio's `PostgresClient` (a pooled client that is itself
/// a `Service`: `run()` owns the pool), every call async, no blocking wait anywhere. Same tables and one log per
/// origin as `PostgresLedgerStore`, which the command-line tools use.
///
/// The next sequence number is read from the table when the log loads and again after any failed append (a commit
/// whose answer was lost may or may not have landed), so a restart or an outage never leaves a gap or a duplicate.
public final class PostgresLedger: LedgerLog, Service {
    public let location: PostgresLedgerStore.Location
    let client: PostgresClient
    private let logger: Logger
    /// nil: read it from the table before the next append.
    private let nextSequence = NIOLockedValueBox<Int64?>(nil)
    private let shapes = ShapeBook()
    public let blocks: BlockHashes? = BlockHashes()

    public init(location: PostgresLedgerStore.Location, logger: Logger = Logger(label: "mingate.ledger.postgres")) {
        self.location = location
        self.logger = logger
        var configuration = PostgresClient.Configuration(
            host: location.host, port: location.port, username: location.username, password: location.password,
            database: location.database, tls: .disable)
        configuration.options.connectTimeout = .seconds(3)
        configuration.options.maximumConnections = 8
        client = PostgresClient(configuration: configuration, backgroundLogger: logger)
    }

    /// The connection of its own that holds the log's advisory lock (not a pooled one: the pool may close it).
    private let holder = NIOLockedValueBox<PostgresConnection?>(nil)

    public func holdLog() async throws(LedgerError) {
        let (origin, logger, location) = (location.origin, self.logger, self.location)
        if let held = holder.withLockedValue({ $0 }) {
            // Still held while the session lives: a lost connection loses the lock with it.
            do throws(LedgerError) {
                try await Deadline.run(.seconds(3)) { () throws(LedgerError) in
                    do {
                        _ = try await held.query("SELECT 1", logger: logger).get()
                    } catch {
                        throw PostgresLedgerStore.failure(error, "the ledger's hold was lost", code: .storeUnavailable)
                    }
                }
                return
            } catch {
                holder.withLockedValue { $0 = nil }
                try? await held.close()
                throw error
            }
        }
        let connection: PostgresConnection
        do {
            var configuration = PostgresConnection.Configuration(
                host: location.host, port: location.port, username: location.username, password: location.password,
                database: location.database, tls: .disable)
            configuration.options.connectTimeout = .seconds(3)
            connection = try await PostgresConnection.connect(configuration: configuration, id: 7001, logger: logger)
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot reach PostgreSQL to hold the ledger", code: .storeUnavailable)
        }
        do {
            var held = false
            for try await value in try await connection.query(PostgresLedgerStore.holdSQL(origin: origin), logger: logger).decode(Bool.self) {
                held = value
            }
            guard held else { throw PostgresLedgerStore.heldElsewhere(origin) }
            holder.withLockedValue { $0 = connection }
        } catch {
            try? await connection.close()
            throw PostgresLedgerStore.failure(error, "cannot hold the ledger", code: .storeUnavailable)
        }
    }

    public func releaseLog() async {
        guard let held = holder.withLockedValue({ value -> PostgresConnection? in
            defer { value = nil }
            return value
        }) else { return }
        try? await held.close()
    }

    /// Runs the connection pool until graceful shutdown (the writer, which uses it, shuts down before it).
    public func run() async throws {
        await cancelWhenGracefulShutdown { await self.client.run() }
    }

    private func failure(_ error: any Error, _ message: String, code: LedgerError.Code = .storeFailed) -> LedgerError {
        if let error = error as? LedgerError { return error }
        return PostgresLedgerStore.failure(error, message, code: code)
    }

    /// Where a call stands with the pool: still waiting, holding a connection, or given up by its caller.
    enum Lease { case waiting, leased, abandoned }

    /// How long a call waits for a pooled connection. The pool keeps retrying a server that is down (with backoff,
    /// for up to a minute); a request must not wait that long, so past this the call fails with `storeUnavailable`.
    static let acquireTimeout: TimeAmount = .seconds(3)

    /// Runs `body` on a pooled connection, failing when none is leased within `acquireTimeout`. A call that gave up
    /// waiting never runs later: when the pool leases it a connection after the caller was told "unavailable", the
    /// body is skipped, so a commit the writer already reported as failed (its requests got 503) cannot land
    /// afterwards under a stale sequence number.
    func leased<T: Sendable>(
        _ what: String, code: LedgerError.Code = .storeFailed, _ body: @escaping @Sendable (PostgresConnection) async throws -> T
    ) async throws(LedgerError) -> T {
        let lease = NIOLockedValueBox(Lease.waiting)
        let client = self.client
        do {
            return try await Deadline.run(
                .nanoseconds(Self.acquireTimeout.nanoseconds),
                expired: {
                    lease.withLockedValue { state in
                        guard state == .waiting else { return false }
                        state = .abandoned
                        return true
                    }
                },
                failure: LedgerError(.storeUnavailable, "\(what): no PostgreSQL connection (is the server up?)")
            ) { () async throws(LedgerError) -> T in
                do {
                    return try await client.withConnection { connection in
                        let proceed = lease.withLockedValue { state in
                            guard state == .waiting else { return false }
                            state = .leased
                            return true
                        }
                        guard proceed else { throw LedgerError(.storeUnavailable, "\(what): gave up waiting for a connection") }
                        return try await body(connection)
                    }
                } catch let error as LedgerError {
                    throw error
                } catch {
                    throw LedgerError(.storeFailed, "\(error)")
                }
            }
        } catch {
            throw failure(error, what, code: code)
        }
    }

    public func load() async throws(LedgerError) -> (leaves: [MerkleTree.Hash], lastCheckpoint: StoredCheckpoint?) {
        let logger = self.logger
        try await leased("cannot create the ledger schema", code: .storeUnavailable) { connection -> Void in
            try await connection.query(PostgresQuery(unsafeSQL: PostgresLedgerStore.schema), logger: logger)
        }
        let leaves = try await leafHashes(in: 0..<Int64.max)
        nextSequence.withLockedValue { $0 = Int64(leaves.count) }
        return (leaves, try await latestCheckpoint())
    }

    private func readNextSequence() async throws(LedgerError) -> Int64 {
        let (origin, logger) = (location.origin, self.logger)
        return try await leased("cannot read the ledger's size", code: .storeUnavailable) { connection in
            let rows = try await connection.query(
                "SELECT COALESCE(MAX(seq) + 1, 0)::BIGINT FROM ledger_entries WHERE origin = \(origin)", logger: logger)
            for try await next in rows.decode(Int64.self) { return next }
            return 0
        }
    }

    public func append(_ drafts: [LedgerDraft], at time: Date) async throws(LedgerError) -> [LedgerEntry] {
        let sequence: Int64
        if let known = nextSequence.withLockedValue({ $0 }) {
            sequence = known
        } else {
            sequence = try await readNextSequence()
        }
        let (insert, commit) = PostgresLedgerStore.insert(drafts, origin: location.origin, from: sequence, at: time, shapes: shapes)
        let logger = self.logger
        do {
            // One statement, its own transaction: all the rows or none, and nothing left open on a pooled
            // connection if the client stops between statements.
            _ = try await leased("ledger commit failed") { connection in try await connection.query(insert, logger: logger) }
        } catch {
            // The commit may or may not have landed: read the size again before the next append.
            nextSequence.withLockedValue { $0 = nil }
            throw error
        }
        nextSequence.withLockedValue { $0 = sequence + Int64(commit.rows.count) }
        shapes.learn(commit)
        return commit.entries
    }

    public func leafHashes(in range: Range<Int64>) async throws(LedgerError) -> [MerkleTree.Hash] {
        let (origin, logger) = (location.origin, self.logger)
        return try await leased("cannot read the ledger") { connection in
            let rows = try await connection.query(
                """
                SELECT leaf_hash FROM ledger_entries
                WHERE origin = \(origin) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
                """, logger: logger)
            var out: [MerkleTree.Hash] = []
            for try await hash in rows.decode(ByteBuffer.self) { out.append(Array(hash.readableBytesView)) }
            return out
        }
    }

    public func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) async throws(LedgerError) {
        let (origin, logger, stamp) = (location.origin, self.logger, LedgerEncoding.timestamp(time))
        try await leased("cannot store the checkpoint") { connection -> Void in
            try await connection.query(
                """
                INSERT INTO ledger_checkpoints (origin, tree_size, root, note, created_at)
                VALUES (\(origin), \(Int64(checkpoint.size)), \(ByteBuffer(bytes: checkpoint.root)), \(note), \(stamp))
                ON CONFLICT DO NOTHING
                """, logger: logger)
        }
    }

    public func probe() async throws(LedgerError) {
        let origin = location.origin
        let logger = self.logger
        try await leased("the ledger cannot be written", code: .storeUnavailable) { connection in
                try await connection.query("BEGIN", logger: logger)
                do {
                    try await connection.query(
                        "INSERT INTO ledger_entries (origin, seq, kind, recorded_at, request_id, entry, leaf_hash) VALUES (\(origin), -1, 'probe', '', '', '\\x00'::bytea, '\\x00'::bytea)",
                        logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
                try await connection.query("ROLLBACK", logger: logger)
        }
    }

    public func appendCosignature(size: Int, witness: String, line: String, at time: Date) async throws(LedgerError) {
        let (origin, logger) = (location.origin, self.logger)
        try await leased("cannot store the cosignature") { connection -> Void in
            try await connection.query(
                PostgresLedgerStore.appendCosignatureSQL(origin: origin, size: size, witness: witness, line: line, at: time), logger: logger)
        }
    }

    public func cosignatures() async throws(LedgerError) -> [StoredCosignature] {
        let (origin, logger) = (location.origin, self.logger)
        return try await leased("cannot read the cosignatures") { connection in
            let rows = try await connection.query(PostgresLedgerStore.cosignaturesSQL(origin: origin), logger: logger)
            var out: [StoredCosignature] = []
            for try await (size, witness, line) in rows.decode((Int64, String, String).self) {
                out.append(StoredCosignature(size: Int(size), witness: witness, line: line))
            }
            return out
        }
    }

    public func latestCheckpoint() async throws(LedgerError) -> StoredCheckpoint? {
        let (origin, logger) = (location.origin, self.logger)
        return try await leased("cannot read the checkpoints") { connection in
            let rows = try await connection.query(PostgresLedgerStore.latestCheckpointSQL(origin: origin), logger: logger)
            for try await (size, note, createdAt) in rows.decode((Int64, String, String).self) {
                return StoredCheckpoint(size: Int(size), note: note, createdAt: createdAt)
            }
            return nil
        }
    }

    public func checkpoints() async throws(LedgerError) -> [(size: Int, note: String)] {
        let (origin, logger) = (location.origin, self.logger)
        return try await leased("cannot read the checkpoints") { connection in
            let rows = try await connection.query(
                "SELECT tree_size, note FROM ledger_checkpoints WHERE origin = \(origin) ORDER BY tree_size", logger: logger)
            var out: [(size: Int, note: String)] = []
            for try await (size, note) in rows.decode((Int64, String).self) { out.append((Int(size), note)) }
            return out
        }
    }

    public func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) async throws(LedgerError) -> [LedgerEntry] {
        let (sql, bindings) = try PostgresLedgerStore.querySQL(filter, after: after, limit: limit)
        return try await filter.checked(await read(PostgresQuery(unsafeSQL: sql, binds: bindings))).withShapes(read)
    }

    /// Runs a query for `PostgresLedgerStore.entry` rows (`origin, seq, kind, recorded_at, request_id, entry`).
    private func read(_ query: PostgresQuery) async throws(LedgerError) -> [LedgerEntry] {
        let logger = self.logger
        return try await leased("cannot read the ledger") { connection in
            var out: [LedgerEntry] = []
            for try await row in try await connection.query(query, logger: logger) { out.append(try PostgresLedgerStore.entry(row)) }
            return out
        }
    }

    public func entries(in range: Range<Int64>) async throws(LedgerError) -> [LedgerEntry] {
        try await read(
            """
            SELECT origin, seq, kind, recorded_at, request_id, entry FROM ledger_entries
            WHERE origin = \(location.origin) AND seq >= \(range.lowerBound) AND seq < \(range.upperBound) ORDER BY seq
            """
        ).withShapes(read)
    }
}
