import Crypto
import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// Consents and erasures are entries of the ledger: the tree covers them, `verify` finds an edit, and an edited
/// index column cannot change a subject's history.
@Suite struct SubjectLedgerTests {
    // Subject keys of this test only: a PostgreSQL test database holds other tests' logs (some tampered on purpose),
    // and searches cover every log in it.
    let subject = KeyedDigests.hex(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })
    let other = KeyedDigests.hex(SymmetricKey(size: .bits256).withUnsafeBytes { Array($0) })

    static func consent(_ state: ConsentEvent.State, kind: ConsentNeed = .purpose, subject: String, at: String) -> ConsentEvent {
        ConsentEvent(
            requestID: "admin-\(at)", subjectKey: subject, partner: "verihubs", purpose: "identity-verification", kind: kind,
            state: state, at: at, evidence: "consent-screen-42")
    }

    static let signer = NoteSigner.generate(name: "test.mingate/subjects")

    /// A writer (signing with `signer`) and the subject ledger over `url`, run around `body`.
    static func withSubjects(_ url: String, _ body: @Sendable (SubjectLedger) async throws -> Void) async throws {
        let log = BlockingLedgerLog(store: try LedgerURL(url).open())
        let writer = LedgerWriter(log: log, checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
        try await writer.running { writer in try await body(SubjectLedger(writer: writer, log: log)) }
    }

    @Test(arguments: LedgerBackend.available)
    func consentsAndErasuresAreCoveredByTheTree(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        try await Self.withSubjects(url) { subjects in
            try await subjects.record(Self.consent(.granted, subject: subject, at: "2026-11-01T09:00:00.000Z"))
            try await subjects.record(Self.consent(.granted, kind: .transfer, subject: subject, at: "2026-11-01T09:00:01.000Z"))
            try await subjects.record(Self.consent(.granted, subject: other, at: "2026-11-01T09:00:02.000Z"))
            try await subjects.record(Self.consent(.withdrawn, subject: subject, at: "2026-11-02T10:00:00.000Z"))
            try await subjects.record(
                ErasureStatus(
                    erasureID: "er-1", subjectKey: subject, partner: "midtrans", channel: "contact privacy@midtrans.example",
                    state: .noticePending, at: "2026-11-03T08:00:00.000Z", detail: nil))
            try await subjects.record(
                ErasureStatus(
                    erasureID: "er-1", subjectKey: subject, partner: "midtrans", channel: "contact privacy@midtrans.example",
                    state: .noticeSent, at: "2026-11-03T09:00:00.000Z", detail: "by DPO office; via e-mail"))

            let history = try await subjects.history(subjectKey: subject)
            #expect(history.map(\.state) == [.granted, .granted, .withdrawn])
            #expect(history.map(\.kind) == [.purpose, .transfer, .purpose])
            #expect(try await subjects.firstMissing([.transfer], subjectKey: subject, partner: "verihubs", purpose: "identity-verification") == nil)
            #expect(try await subjects.firstMissing([.purpose], subjectKey: subject, partner: "verihubs", purpose: "identity-verification") == .purpose, "withdrawn")
            #expect(try await subjects.firstMissing([.purpose], subjectKey: other, partner: "verihubs", purpose: "identity-verification") == nil)
            #expect(try await subjects.currentErasures(subjectKey: subject).map(\.state) == [.noticeSent])
        }
        let store = try LedgerURL(url).open()
        let auditor = LedgerAuditor(verifier: Self.signer.verifier)
        let report = try auditor.verify(store)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.entries == 6 && report.verifiedSize == 6, "every consent and erasure is a leaf under a signed checkpoint")
        #expect(try store.entries(in: 0..<6).map(\.kind) == [.consent, .consent, .consent, .consent, .erasure, .erasure])

        // Turning the withdrawal back into a grant is an edit of a record the tree vouches for.
        let withdrawal = try #require(try store.entries(in: 3..<4).first)
        let forged = Array(String(decoding: withdrawal.encoded, as: UTF8.self).replacingOccurrences(of: "withdrawn", with: "granted").utf8)
        try backend.attacker(url).replaceEntry(3, with: forged, leafHash: MerkleTree.leafHash(forged))
        let tampered = try auditor.verify(store)
        #expect(!tampered.isValid)
        #expect(tampered.problems.contains { $0.sequence == 3 || $0.message.contains("root") }, "\(tampered.problems)")
    }

    @Test(arguments: LedgerBackend.available)
    func anEditedSubjectColumnCannotMoveAConsent(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        try await Self.withSubjects(url) { subjects in
            try await subjects.record(Self.consent(.granted, subject: subject, at: "2026-11-01T09:00:00.000Z"))
        }
        // Someone gives another person the consent by editing the index column.
        try backend.attacker(url).setColumn(0, "subject_key", to: other)
        let store = try LedgerURL(url).open()
        #expect(throws: LedgerError(.indexTampered, "")) { try store.consentHistory(subjectKey: other) }
        let report = try LedgerAuditor(verifier: Self.signer.verifier).verify(store)
        #expect(report.problems.first?.sequence == 0 && report.problems.first?.message.contains("subject_key") == true, "\(report.problems)")
    }

    @Test func evidenceThatCouldBePersonalIsKeptAsADigest() throws {
        for reference in ["consent-screen-4711", "cs-20261125-0042", "form/2026/11#7", "v3:screen.consent_42"] {
            #expect(ConsentEvidence.isReference(reference), "\(reference)")
        }
        for personal in ["budi@example.com", "+6281234567890", "081234567890", "3171234567890001", "Budi Santoso", "", "-x", String(repeating: "a", count: 101)] {
            #expect(!ConsentEvidence.isReference(personal), "\(personal)")
        }
    }

    @Test func legacyTablesAreImportedOnceWithEvidenceDigested() async throws {
        let path = LedgerWriterTests.temporaryPath()
        let database = try SQLiteDatabase(path: path)
        try database.execute(
            """
            CREATE TABLE consent_events (id INTEGER PRIMARY KEY AUTOINCREMENT, subject_key TEXT NOT NULL, partner TEXT NOT NULL,
                purpose TEXT NOT NULL, kind TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, evidence TEXT);
            CREATE TABLE erasure_status (id INTEGER PRIMARY KEY AUTOINCREMENT, erasure_id TEXT NOT NULL, subject_key TEXT NOT NULL,
                partner TEXT NOT NULL, channel TEXT NOT NULL, state TEXT NOT NULL, at TEXT NOT NULL, detail TEXT);
            INSERT INTO consent_events (subject_key, partner, purpose, kind, state, at, evidence) VALUES
                ('\(subject)', 'verihubs', 'identity-verification', 'purpose', 'granted', '2025-01-01T00:00:00.000Z', 'screen-1'),
                ('\(subject)', 'verihubs', 'identity-verification', 'transfer', 'granted', '2025-01-02T00:00:00.000Z', 'budi@example.com');
            INSERT INTO erasure_status (erasure_id, subject_key, partner, channel, state, at, detail) VALUES
                ('er-old', '\(subject)', 'midtrans', 'none', 'no_channel', '2025-02-01T00:00:00.000Z', NULL);
            """)
        let legacy = try SQLiteConsentStore(path: path).legacyRecords()
        #expect(legacy.consents.map(\.requestID) == ["legacy-consent/1", "legacy-consent/2"])
        for run in 0..<2 {
            let log = BlockingLedgerLog(store: try SQLiteLedgerStore(path: path))
            let writer = LedgerWriter(
                log: log,
                importing: { log throws(LedgerError) in
                    try await LegacyImport.drafts(legacy, in: log, evidence: { ConsentEvidence.isReference($0) ? $0 : "digest-of-it" })
                })
            try await writer.running { writer in
                _ = try await writer.append(LedgerWriterTests.disclosure(run))
            }
        }
        let store = try SQLiteLedgerStore(path: path)
        #expect(try store.size() == 7, "three imported rows once, then one disclosure per run, each after its shape")
        let history = try store.consentHistory(subjectKey: subject)
        #expect(history.map(\.evidence) == ["screen-1", "digest-of-it"])
        #expect(history.map(\.at) == ["2025-01-01T00:00:00.000Z", "2025-01-02T00:00:00.000Z"], "the time each was given, not the import's")
        #expect(try store.currentErasures(subjectKey: subject).map(\.erasureID) == ["er-old"])
        #expect(try store.entries(in: 0..<7).map(\.kind) == [.consent, .consent, .erasure, .shape, .disclosure, .shape, .disclosure])
    }
}
