import MingatePolicy

/// The consent history and erasure log as the running gateway uses them: every call async, none blocking an event
/// loop. SQLite through `BlockingConsentLog`, PostgreSQL through `PostgresConsentLog`. No cache: a withdrawal takes
/// effect for the very next request.
public protocol ConsentLog: Sendable {
    func record(_ event: ConsentEvent) async throws
    /// Every consent event of a subject, oldest first.
    func history(subjectKey: String) async throws -> [ConsentEvent]
    func record(_ status: ErasureStatus) async throws
    /// Every erasure status row of a subject, oldest first.
    func erasures(subjectKey: String) async throws -> [ErasureStatus]
    /// Records the ledger key's fingerprint when none is recorded yet; returns the one recorded.
    func claimKeyFingerprint(_ fingerprint: String, at time: String) async throws -> String
}

extension ConsentLog {
    /// The first of `needs` not granted for this subject, partner and purpose; nil when all are.
    public func firstMissing(_ needs: [ConsentNeed], subjectKey: String?, partner: String, purpose: String) async throws
        -> ConsentNeed?
    {
        guard !needs.isEmpty else { return nil }
        guard let subjectKey else { return needs.first }
        let history = try await history(subjectKey: subjectKey)
        return needs.first { need in
            !ConsentEvent.isGranted(
                in: history, partner: partner, purpose: purpose, kind: need)
        }
    }

    /// The current status per (erasure, partner).
    public func currentErasures(subjectKey: String) async throws -> [ErasureStatus] {
        ErasureStatus.current(try await erasures(subjectKey: subjectKey))
    }
}

/// A synchronous consent store (SQLite) as a `ConsentLog`: each call takes a connection of its own from a pool, on
/// NIO's blocking-I/O pool.
public struct BlockingConsentLog: ConsentLog {
    let pool: ReaderPool<any ConsentStore & ErasureLog>

    public init(open: @escaping @Sendable () throws -> any ConsentStore & ErasureLog) {
        pool = ReaderPool(open: open)
    }

    public func record(_ event: ConsentEvent) async throws { try await pool.read { try $0.record(event) } }

    public func history(subjectKey: String) async throws -> [ConsentEvent] {
        try await pool.read { try $0.history(subjectKey: subjectKey) }
    }

    public func record(_ status: ErasureStatus) async throws { try await pool.read { try $0.record(status) } }

    public func erasures(subjectKey: String) async throws -> [ErasureStatus] {
        try await pool.read { try $0.erasures(subjectKey: subjectKey) }
    }

    public func claimKeyFingerprint(_ fingerprint: String, at time: String) async throws -> String {
        try await pool.read { try $0.claimKeyFingerprint(fingerprint, at: time) }
    }
}
