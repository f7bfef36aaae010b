import MingatePolicy

/// The tables beside the log (`ConsentStore`) as the running gateway uses them: every call async, none blocking an
/// event loop. SQLite through `BlockingConsentLog`, PostgreSQL through `PostgresConsentLog`.
public protocol ConsentLog: Sendable {
    /// Records the ledger key's fingerprint when none is recorded yet; returns the one recorded.
    func claimKeyFingerprint(_ fingerprint: String, at time: String) async throws -> String
    /// Every row of the tables earlier versions kept consents and erasures in.
    func legacyRecords() async throws(LedgerError) -> LegacyRecords
}

/// A synchronous consent store (SQLite) as a `ConsentLog`: each call takes a connection of its own from a pool, on
/// NIO's blocking-I/O pool.
public struct BlockingConsentLog: ConsentLog {
    let pool: ReaderPool<SQLiteConsentStore>

    public init(open: @escaping @Sendable () throws -> SQLiteConsentStore) {
        pool = ReaderPool(open: open)
    }

    public func claimKeyFingerprint(_ fingerprint: String, at time: String) async throws -> String {
        try await pool.read { try $0.claimKeyFingerprint(fingerprint, at: time) }
    }

    public func legacyRecords() async throws(LedgerError) -> LegacyRecords {
        do {
            return try await pool.read { try $0.legacyRecords() }
        } catch let error as LedgerError {
            throw error
        } catch {
            throw LedgerError(.storeFailed, "\(error)")
        }
    }
}
