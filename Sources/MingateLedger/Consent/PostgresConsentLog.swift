import Foundation
import Logging
import NIOConcurrencyHelpers
import PostgresNIO

/// The tables beside the log in PostgreSQL, through the ledger's pooled client: async, no blocking wait. Same
/// tables as `PostgresConsentStore` (created on first use).
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

    /// The tables earlier versions kept consents and erasures in, when they exist (`to_regclass` is null otherwise).
    static let legacyTables = "SELECT to_regclass('consent_events') IS NOT NULL, to_regclass('erasure_status') IS NOT NULL"
    static let legacyConsents = "SELECT id, subject_key, partner, purpose, kind, state, at, evidence FROM consent_events ORDER BY id"
    static let legacyErasures = "SELECT erasure_id, subject_key, partner, channel, state, at, detail FROM erasure_status ORDER BY id"

    public func legacyRecords() async throws(LedgerError) -> LegacyRecords {
        try await prepare()
        var records = LegacyRecords()
        do {
            var tables: (Bool, Bool) = (false, false)
            for try await exists in try await client.query(PostgresQuery(unsafeSQL: Self.legacyTables), logger: logger)
                .decode((Bool, Bool).self)
            {
                tables = exists
            }
            if tables.0 {
                let rows = try await client.query(PostgresQuery(unsafeSQL: Self.legacyConsents), logger: logger)
                for try await (id, subject, partner, purpose, kind, state, at, evidence) in rows.decode(
                    (Int64, String, String, String, String, String, String, String?).self)
                {
                    records.consents.append(
                        LegacyRecords.consent(
                            id: id, subjectKey: subject, partner: partner, purpose: purpose, kind: kind, state: state, at: at,
                            evidence: evidence))
                }
            }
            if tables.1 {
                let rows = try await client.query(PostgresQuery(unsafeSQL: Self.legacyErasures), logger: logger)
                for try await (id, subject, partner, channel, state, at, detail) in rows.decode(
                    (String, String, String, String, String, String, String?).self)
                {
                    records.erasures.append(
                        LegacyRecords.erasure(
                            id: id, subjectKey: subject, partner: partner, channel: channel, state: state, at: at, detail: detail))
                }
            }
        } catch {
            throw PostgresLedgerStore.failure(error, "cannot read the consent tables of earlier versions")
        }
        return records
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
