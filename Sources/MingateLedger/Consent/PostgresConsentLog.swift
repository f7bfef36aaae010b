import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The consent history and erasure log in PostgreSQL, through the ledger's pooled client: async, no blocking wait.
/// Same tables as `PostgresConsentStore` (created on first use).
public final class PostgresConsentLog: ConsentLog {
    private let client: PostgresClient
    private let logger: Logger
    private let prepared = NIOLockedValueBox(false)

    public init(ledger: PostgresLedger, logger: Logger = Logger(label: "mingate.consent")) {
        self.client = ledger.client
        self.logger = logger
    }

    private func prepare() async throws(LedgerError) {
        guard !prepared.withLockedValue({ $0 }) else { return }
        do {
            for statement in PostgresConsentStore.schema {
                try await client.query(PostgresQuery(unsafeSQL: statement), logger: logger)
            }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot open the consent store", code: .storeUnavailable)
        }
        prepared.withLockedValue { $0 = true }
    }

    public func record(_ event: ConsentEvent) async throws(LedgerError) {
        try await prepare()
        do {
            try await client.query(
                """
                INSERT INTO consent_events (subject_key, partner, purpose, kind, state, at, evidence)
                VALUES (\(event.subjectKey), \(event.partner), \(event.purpose), \(event.kind.rawValue), \(event.state.rawValue), \(event.at), \(event.evidence))
                """, logger: logger)
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record consent")
        }
    }

    public func history(subjectKey: String) async throws(LedgerError) -> [ConsentEvent] {
        try await prepare()
        do {
            let rows = try await client.query(
                "SELECT subject_key, partner, purpose, kind, state, at, evidence FROM consent_events WHERE subject_key = \(subjectKey) ORDER BY id",
                logger: logger)
            var out: [ConsentEvent] = []
            for try await (subject, partner, purpose, kind, state, at, evidence) in rows.decode(
                (String, String, String, String, String, String, String?).self)
            {
                out.append(
                    ConsentEvent(
                        subjectKey: subject, partner: partner, purpose: purpose, kind: ConsentEvent.Kind(rawValue: kind) ?? .purpose,
                        state: ConsentEvent.State(rawValue: state) ?? .withdrawn, at: at, evidence: evidence))
            }
            return out
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read consent")
        }
    }

    public func record(_ status: ErasureStatus) async throws(LedgerError) {
        try await prepare()
        do {
            try await client.query(
                """
                INSERT INTO erasure_status (erasure_id, subject_key, partner, channel, state, at, detail)
                VALUES (\(status.erasureID), \(status.subjectKey), \(status.partner), \(status.channel), \(status.state.rawValue), \(status.at), \(status.detail))
                """, logger: logger)
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record erasure status")
        }
    }

    public func erasures(subjectKey: String) async throws(LedgerError) -> [ErasureStatus] {
        try await prepare()
        do {
            let rows = try await client.query(
                "SELECT erasure_id, subject_key, partner, channel, state, at, detail FROM erasure_status WHERE subject_key = \(subjectKey) ORDER BY id",
                logger: logger)
            var out: [ErasureStatus] = []
            for try await (id, subject, partner, channel, state, at, detail) in rows.decode(
                (String, String, String, String, String, String, String?).self)
            {
                out.append(
                    ErasureStatus(
                        erasureID: id, subjectKey: subject, partner: partner, channel: channel,
                        state: ErasureStatus.State(rawValue: state) ?? .failed, at: at, detail: detail))
            }
            return out
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read erasure status")
        }
    }

    public func claimKeyFingerprint(_ fingerprint: String, at time: String) async throws(LedgerError) -> String {
        try await prepare()
        do {
            try await client.query(
                "INSERT INTO ledger_key (id, fingerprint, at) VALUES (1, \(fingerprint), \(time)) ON CONFLICT (id) DO NOTHING",
                logger: logger)
            let rows = try await client.query("SELECT fingerprint FROM ledger_key WHERE id = 1", logger: logger)
            for try await stored in rows.decode(String.self) { return stored }
            return fingerprint
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot record the ledger key fingerprint")
        }
    }
}
