import Foundation

/// The embedded ledger: one SQLite file in WAL mode with `synchronous=FULL`, so a commit is on disk when
/// `append` returns. Entries cannot be updated or deleted through SQLite (triggers refuse it); tampering from
/// outside is what `audit verify` finds.
public final class SQLiteLedgerStore: LedgerStore {
    private let database: SQLiteDatabase
    private let insert: SQLiteDatabase.Statement
    private var nextSequence: Int64
    private let shapes = ShapeBook()

    public static let schema = """
        CREATE TABLE IF NOT EXISTS ledger_entries (
            seq         INTEGER PRIMARY KEY,
            kind        TEXT NOT NULL,
            recorded_at TEXT NOT NULL,
            request_id  TEXT NOT NULL,
            partner     TEXT,
            purpose     TEXT,
            caller      TEXT,
            subject_key TEXT,
            decision    TEXT,
            entry       BLOB NOT NULL,
            leaf_hash   BLOB NOT NULL
        );
        CREATE INDEX IF NOT EXISTS ledger_entries_partner ON ledger_entries(partner, purpose) WHERE partner IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ledger_entries_subject ON ledger_entries(subject_key) WHERE subject_key IS NOT NULL;
        CREATE INDEX IF NOT EXISTS ledger_entries_request ON ledger_entries(request_id);
        CREATE TRIGGER IF NOT EXISTS ledger_entries_no_update BEFORE UPDATE ON ledger_entries
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS ledger_entries_no_delete BEFORE DELETE ON ledger_entries
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE IF NOT EXISTS ledger_checkpoints (
            tree_size  INTEGER PRIMARY KEY,
            root       BLOB NOT NULL,
            note       TEXT NOT NULL,
            created_at TEXT NOT NULL
        );
        CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_no_update BEFORE UPDATE ON ledger_checkpoints
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS ledger_checkpoints_no_delete BEFORE DELETE ON ledger_checkpoints
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TABLE IF NOT EXISTS ledger_cosignatures (
            tree_size  INTEGER NOT NULL,
            witness    TEXT NOT NULL,
            line       TEXT NOT NULL,
            created_at TEXT NOT NULL,
            PRIMARY KEY (tree_size, witness)
        );
        CREATE TRIGGER IF NOT EXISTS ledger_cosignatures_no_update BEFORE UPDATE ON ledger_cosignatures
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        CREATE TRIGGER IF NOT EXISTS ledger_cosignatures_no_delete BEFORE DELETE ON ledger_cosignatures
            BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
        """

    /// The writer's hold on the log: an exclusive `flock` on `PATH.writer`, which the kernel drops when the process
    /// ends, however it ends.
    private var writerLock: Int32 = -1
    private let path: String

    /// `durable: false` (`sqlite:PATH?sync=off`) skips the fsync: for measuring what durability costs, never
    /// for a real ledger.
    public init(path: String, durable: Bool = true) throws(LedgerError) {
        self.path = path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty { try? FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true) }
        database = try SQLiteDatabase(path: path)
        // 8 KiB pages for a new file (an existing one keeps its own): a page of 4 KiB holds few enough records that
        // the space left at its end was ~10% of the file.
        try database.execute("PRAGMA page_size=8192; PRAGMA journal_mode=WAL; PRAGMA synchronous=\(durable ? "FULL" : "OFF");")
        try database.execute(Self.schema)
        insert = try database.prepare(
            """
            INSERT INTO ledger_entries
                (seq, kind, recorded_at, request_id, partner, purpose, caller, subject_key, decision, entry, leaf_hash)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """)
        let count = try database.prepare("SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries")
        _ = try count.step()
        nextSequence = count.int64(0)
    }

    public func append(_ drafts: [LedgerDraft], at time: Date) throws(LedgerError) -> [LedgerEntry] {
        try database.execute("BEGIN IMMEDIATE")
        do throws(LedgerError) {
            let commit = shapes.plan(drafts, from: nextSequence, recordedAt: LedgerEncoding.timestamp(time))
            for (entry, columns) in commit.rows {
                insert.reset()
                insert.bind(1, entry.sequence)
                insert.bind(2, columns.kind)
                insert.bind(3, columns.recordedAt)
                insert.bind(4, columns.requestID)
                for (offset, value) in columns.searchable.enumerated() { insert.bind(Int32(5 + offset), value) }
                insert.bind(10, entry.encoded)
                insert.bind(11, entry.leafHash)
                _ = try insert.step()
            }
            try database.execute("COMMIT")
            nextSequence += Int64(commit.rows.count)
            shapes.learn(commit)
            return commit.entries
        } catch {
            insert.reset()
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    public func leafHashes(in range: Range<Int64>) throws(LedgerError) -> [(sequence: Int64, hash: MerkleTree.Hash)] {
        let query = try database.prepare("SELECT seq, leaf_hash FROM ledger_entries WHERE seq >= ? AND seq < ? ORDER BY seq")
        query.bind(1, range.lowerBound)
        query.bind(2, range.upperBound)
        var out: [(Int64, MerkleTree.Hash)] = []
        while try query.step() { out.append((query.int64(0), query.blob(1))) }
        return out
    }

    public func appendCheckpoint(_ checkpoint: Checkpoint, note: String, at time: Date) throws(LedgerError) {
        let insert = try database.prepare(
            "INSERT OR IGNORE INTO ledger_checkpoints (tree_size, root, note, created_at) VALUES (?, ?, ?, ?)")
        insert.bind(1, Int64(checkpoint.size))
        insert.bind(2, checkpoint.root)
        insert.bind(3, note)
        insert.bind(4, LedgerEncoding.timestamp(time))
        _ = try insert.step()
    }

    public func holdLog() throws(LedgerError) {
        guard writerLock < 0 else { return }
        let descriptor = open(path + ".writer", O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw LedgerError(.storeUnavailable, "cannot open \(path).writer to hold the ledger (errno \(errno))") }
        guard flock(descriptor, LOCK_EX | LOCK_NB) == 0 else {
            close(descriptor)
            throw LedgerError(
                .originHeld, "another process writes \(path) (it holds \(path).writer): one gateway per SQLite ledger; this one waits")
        }
        writerLock = descriptor
        // Whoever held it before may have appended since this store was opened.
        nextSequence = try size()
    }

    public func releaseLog() {
        guard writerLock >= 0 else { return }
        close(writerLock)
        writerLock = -1
    }

    deinit { releaseLog() }

    public func appendCosignature(size: Int, witness: String, line: String, at time: Date) throws(LedgerError) {
        let insert = try database.prepare(
            "INSERT OR IGNORE INTO ledger_cosignatures (tree_size, witness, line, created_at) VALUES (?, ?, ?, ?)")
        insert.bind(1, Int64(size))
        insert.bind(2, witness)
        insert.bind(3, line)
        insert.bind(4, LedgerEncoding.timestamp(time))
        _ = try insert.step()
    }

    public func cosignatures() throws(LedgerError) -> [StoredCosignature] {
        let query = try database.prepare("SELECT tree_size, witness, line FROM ledger_cosignatures ORDER BY tree_size, witness")
        var out: [StoredCosignature] = []
        while try query.step() {
            out.append(StoredCosignature(size: Int(query.int64(0)), witness: query.text(1) ?? "", line: query.text(2) ?? ""))
        }
        return out
    }

    public func latestCheckpoint() throws(LedgerError) -> StoredCheckpoint? {
        let query = try database.prepare(
            "SELECT tree_size, note, created_at FROM ledger_checkpoints ORDER BY tree_size DESC LIMIT 1")
        guard try query.step() else { return nil }
        return StoredCheckpoint(size: Int(query.int64(0)), note: query.text(1) ?? "", createdAt: query.text(2) ?? "")
    }

    public func checkpoints(from minimumSize: Int, limit: Int) throws(LedgerError) -> [(size: Int, note: String)] {
        let query = try database.prepare(
            "SELECT tree_size, note FROM ledger_checkpoints WHERE tree_size >= ? ORDER BY tree_size LIMIT ?")
        query.bind(1, Int64(minimumSize))
        query.bind(2, Int64(clamping: limit))
        var out: [(Int, String)] = []
        while try query.step() { out.append((Int(query.int64(0)), query.text(1) ?? "")) }
        return out
    }

    public func query(_ filter: LedgerFilter, after: LedgerPosition, limit: Int) throws(LedgerError) -> [LedgerEntry] {
        // One log, named by its checkpoints: a search for another origin's records finds none here, and every
        // position names a sequence of this log.
        if let origin = filter.origin, try latestCheckpoint()?.origin != origin { return [] }
        var conditions = ["seq > ?"]
        var values: [String] = []
        // The kind is one of the enum's own raw values, never text from outside.
        conditions.append("kind IN (\(filter.kinds.map { "'\($0)'" }.joined(separator: ",")))")
        for equality in filter.equalities {
            conditions.append("\(equality.column) IN (\(equality.stored.map { _ in "?" }.joined(separator: ",")))")
            values.append(contentsOf: equality.stored)
        }
        if let since = filter.sinceText {
            conditions.append("recorded_at >= ?")
            values.append(since)
        }
        if let until = filter.untilText {
            conditions.append("recorded_at < ?")
            values.append(until)
        }
        let query = try database.prepare(
            "SELECT seq, kind, recorded_at, request_id, entry FROM ledger_entries WHERE "
                + conditions.joined(separator: " AND ") + " ORDER BY seq LIMIT ?")
        query.bind(1, after.sequence)
        for (offset, value) in values.enumerated() { query.bind(Int32(offset + 2), value) }
        query.bind(Int32(values.count + 2), Int64(limit))
        let out = try Self.entries(query)
        return try withShapes(try filter.checked(out))
    }

    public func rows(in range: Range<Int64>) throws(LedgerError) -> [StoredRow] {
        let query = try database.prepare(
            """
            SELECT seq, kind, recorded_at, request_id, partner, purpose, caller, subject_key, decision, entry, leaf_hash
            FROM ledger_entries WHERE seq >= ? AND seq < ? ORDER BY seq
            """)
        query.bind(1, range.lowerBound)
        query.bind(2, range.upperBound)
        var out: [StoredRow] = []
        while try query.step() {
            let columns = IndexColumns(
                kind: query.text(1) ?? "", recordedAt: query.text(2) ?? "", requestID: query.text(3) ?? "",
                partner: query.text(4), purpose: query.text(5), caller: query.text(6), subjectKey: query.text(7),
                decision: query.text(8))
            out.append(StoredRow(sequence: query.int64(0), columns: columns, entry: query.blob(9), leafHash: query.blob(10)))
        }
        return out
    }

    public func entries(in range: Range<Int64>) throws(LedgerError) -> [LedgerEntry] {
        let query = try database.prepare(
            "SELECT seq, kind, recorded_at, request_id, entry FROM ledger_entries WHERE seq >= ? AND seq < ? ORDER BY seq")
        query.bind(1, range.lowerBound)
        query.bind(2, range.upperBound)
        let out = try Self.entries(query)
        return try withShapes(out)
    }

    /// The entries with the shape entries their version 2 decisions name attached, read in one query.
    private func withShapes(_ entries: [LedgerEntry]) throws(LedgerError) -> [LedgerEntry] {
        guard let references = LedgerEntry.shapeReferences(entries)[""] else { return entries }
        let query = try database.prepare(
            "SELECT seq, kind, recorded_at, request_id, entry FROM ledger_entries WHERE seq IN (\(references.map { _ in "?" }.joined(separator: ",")))")
        for (offset, reference) in references.enumerated() { query.bind(Int32(offset + 1), reference) }
        return try LedgerEntry.attaching(try Self.entries(query), to: entries)
    }

    /// The entries a query of `seq, kind, recorded_at, request_id, entry` returns.
    private static func entries(_ query: SQLiteDatabase.Statement) throws(LedgerError) -> [LedgerEntry] {
        var out: [LedgerEntry] = []
        while try query.step() {
            out.append(
                LedgerEntry(
                    sequence: query.int64(0), kind: LedgerEntry.Kind(rawValue: query.text(1) ?? "") ?? .disclosure,
                    recordedAt: query.text(2) ?? "", requestID: query.text(3) ?? "", encoded: query.blob(4)))
        }
        return out
    }

    /// Whether a commit would land: an insert into the entries table, rolled back (the table takes rows: no lock, no
    /// trigger, no constraint in the way), then a durable commit of the file's header (`user_version`), which reaches
    /// the disk like an append. A rolled-back insert alone stays in memory: with the disk full it succeeded while every
    /// commit failed, and `/readyz` said ready between failures.
    public func probe() throws(LedgerError) {
        try database.execute("BEGIN IMMEDIATE")
        do throws(LedgerError) {
            try database.execute(
                "INSERT INTO ledger_entries (seq, kind, recorded_at, request_id, entry, leaf_hash) VALUES (-1, 'probe', '', '', x'00', x'00')")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
        try database.execute("ROLLBACK")
        probes = (probes + 1) % 1_000_000
        do throws(LedgerError) {
            try database.execute("BEGIN IMMEDIATE; PRAGMA user_version = \(probes); COMMIT;")
        } catch {
            try? database.execute("ROLLBACK")
            throw error
        }
    }

    /// The probes' header value: changed by every probe, so each commits a write.
    private var probes = 0

    /// Copies the WAL's committed pages into the database file and truncates the WAL, so the database, not an
    /// ever-growing WAL, holds the ledger. Readers in the middle of a read keep their snapshot; what they pin is
    /// folded in at the next idle turn.
    public func maintain() throws(LedgerError) {
        // Without waiting on readers: a request arriving now must not queue behind a checkpoint.
        database.setBusyTimeout(milliseconds: 0)
        defer { database.setBusyTimeout(milliseconds: 5_000) }
        try database.execute("PRAGMA wal_checkpoint(TRUNCATE);")
    }

    public func size() throws(LedgerError) -> Int64 {
        let count = try database.prepare("SELECT COALESCE(MAX(seq) + 1, 0) FROM ledger_entries")
        _ = try count.step()
        return count.int64(0)
    }
}
