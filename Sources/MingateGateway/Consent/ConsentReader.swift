import MingateLedger
import MingatePolicy

/// The consent history and erasure log as the gateway reads and writes them at the gate. No cache: a withdrawal
/// takes effect for the very next request. SQLite through a pool of connections on NIO's blocking-I/O pool,
/// PostgreSQL through the ledger's pooled async client.
struct ConsentReader: Sendable {
    enum Backend: Sendable {
        case blocking(ReaderPool<any ConsentStore & ErasureLog>)
        case postgres(PostgresConsentLog)
    }

    let backend: Backend

    /// The first of `needs` the store does not show granted for this subject, partner and purpose; nil when all are.
    func firstMissing(_ needs: [ConsentNeed], subjectKey: String?, partner: String, purpose: String) async throws
        -> ConsentNeed?
    {
        guard !needs.isEmpty else { return nil }
        guard let subjectKey else { return needs.first }
        let history = try await history(subjectKey: subjectKey)
        return needs.first { need in
            !ConsentEvent.isGranted(
                in: history, partner: partner, purpose: purpose, kind: ConsentEvent.Kind(rawValue: need.rawValue) ?? .purpose)
        }
    }

    func record(_ event: ConsentEvent) async throws {
        switch backend {
        case .blocking(let pool): try await pool.read { try $0.record(event) }
        case .postgres(let log): try await log.record(event)
        }
    }

    func history(subjectKey: String) async throws -> [ConsentEvent] {
        switch backend {
        case .blocking(let pool): try await pool.read { try $0.history(subjectKey: subjectKey) }
        case .postgres(let log): try await log.history(subjectKey: subjectKey)
        }
    }

    func recordErasure(_ status: ErasureStatus) async throws {
        switch backend {
        case .blocking(let pool): try await pool.read { try $0.record(status) }
        case .postgres(let log): try await log.record(status)
        }
    }

    func erasures(subjectKey: String) async throws -> [ErasureStatus] {
        switch backend {
        case .blocking(let pool): try await pool.read { try $0.currentErasures(subjectKey: subjectKey) }
        case .postgres(let log): ErasureStatus.current(try await log.erasures(subjectKey: subjectKey))
        }
    }
}
