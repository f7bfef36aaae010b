import CSQLite
import Foundation

/// A thin wrapper around one SQLite connection. Not thread-safe: one owner (the ledger writer's thread, or a
/// reader) uses it at a time.
final class SQLiteDatabase {
    private var handle: OpaquePointer?
    let path: String

    init(path: String, readOnly: Bool = false) throws(LedgerError) {
        self.path = path
        let flags = readOnly ? SQLITE_OPEN_READONLY : (SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE)
        let result = sqlite3_open_v2(path, &handle, flags | SQLITE_OPEN_NOMUTEX, nil)
        guard result == SQLITE_OK else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? "cannot open"
            sqlite3_close(handle)
            handle = nil
            throw LedgerError(.storeUnavailable, "cannot open the SQLite ledger at \(path): \(message)")
        }
        sqlite3_busy_timeout(handle, 5_000)
    }

    deinit {
        sqlite3_close_v2(handle)
    }

    func setBusyTimeout(milliseconds: Int32) {
        sqlite3_busy_timeout(handle, milliseconds)
    }

    func execute(_ sql: String) throws(LedgerError) {
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "unknown error"
            sqlite3_free(message)
            throw LedgerError(.storeFailed, "SQLite: \(text)")
        }
    }

    func prepare(_ sql: String) throws(LedgerError) -> Statement {
        var statement: OpaquePointer?
        guard sqlite3_prepare_v2(handle, sql, -1, &statement, nil) == SQLITE_OK, let statement else {
            throw LedgerError(.storeFailed, "SQLite: \(lastMessage)")
        }
        return Statement(statement: statement, database: self)
    }

    var lastMessage: String { String(cString: sqlite3_errmsg(handle)) }

    /// A prepared statement; reset before each use.
    final class Statement {
        let statement: OpaquePointer
        unowned let database: SQLiteDatabase

        init(statement: OpaquePointer, database: SQLiteDatabase) {
            self.statement = statement
            self.database = database
        }

        deinit { sqlite3_finalize(statement) }

        func reset() {
            sqlite3_reset(statement)
            sqlite3_clear_bindings(statement)
        }

        func bind(_ index: Int32, _ value: Int64) { sqlite3_bind_int64(statement, index, value) }

        func bind(_ index: Int32, _ value: String?) {
            guard let value else {
                sqlite3_bind_null(statement, index)
                return
            }
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            sqlite3_bind_text(statement, index, value, -1, transient)
        }

        func bind(_ index: Int32, _ value: [UInt8]) {
            let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
            value.withUnsafeBytes { buffer in
                _ = sqlite3_bind_blob(statement, index, buffer.baseAddress, Int32(buffer.count), transient)
            }
        }

        /// Steps once; true when a row is available.
        func step() throws(LedgerError) -> Bool {
            switch sqlite3_step(statement) {
            case SQLITE_ROW: return true
            case SQLITE_DONE: return false
            default: throw LedgerError(.storeFailed, "SQLite: \(database.lastMessage)")
            }
        }

        func int64(_ column: Int32) -> Int64 { sqlite3_column_int64(statement, column) }

        func text(_ column: Int32) -> String? {
            guard let pointer = sqlite3_column_text(statement, column) else { return nil }
            return String(cString: pointer)
        }

        func blob(_ column: Int32) -> [UInt8] {
            let count = Int(sqlite3_column_bytes(statement, column))
            guard count > 0, let pointer = sqlite3_column_blob(statement, column) else { return [] }
            return Array(UnsafeRawBufferPointer(start: pointer, count: count))
        }
    }
}
