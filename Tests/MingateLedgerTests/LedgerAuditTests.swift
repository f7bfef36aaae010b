import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// Tampering with a stored ledger is found by `LedgerAuditor`, naming the first bad record.
@Suite struct LedgerAuditTests {
    struct Fixture {
        let path: String
        let signer: NoteSigner
        var auditor: LedgerAuditor { LedgerAuditor(verifier: signer.verifier) }
        func report() throws -> LedgerAuditor.Report { try auditor.verify(try SQLiteLedgerStore(path: path)) }

        /// A connection with the append-only triggers removed, as an attacker with file access would.
        func attacker() throws -> SQLiteDatabase {
            let database = try SQLiteDatabase(path: path)
            try database.execute("DROP TRIGGER ledger_entries_no_update; DROP TRIGGER ledger_entries_no_delete;")
            try database.execute("DROP TRIGGER ledger_checkpoints_no_update; DROP TRIGGER ledger_checkpoints_no_delete;")
            return database
        }
    }

    /// 24 records written in 4 batches, a checkpoint after each batch.
    static func fixture() async throws -> Fixture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString).sqlite").path
        let signer = NoteSigner.generate(name: "test.mingate/ledger")
        let writer = try LedgerWriter(
            store: try SQLiteLedgerStore(path: path), checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
        for batch in 0..<4 {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 0..<6 { group.addTask { _ = try await writer.append(LedgerWriterTests.disclosure(batch * 6 + index)) } }
                try await group.waitForAll()
            }
        }
        await writer.close()
        return Fixture(path: path, signer: signer)
    }

    @Test func anUntouchedLedgerVerifies() async throws {
        let fixture = try await Self.fixture()
        let report = try fixture.report()
        #expect(report.isValid, "\(report.problems)")
        #expect(report.entries == 24)
        #expect(report.checkpoints >= 2)
        #expect(report.verifiedSize == 24)
    }

    @Test func editingARecordIsFound() async throws {
        let fixture = try await Self.fixture()
        try fixture.attacker().execute("UPDATE ledger_entries SET entry = replace(entry, 'midtrans', 'xendit') WHERE seq = 9")
        let report = try fixture.report()
        #expect(!report.isValid)
        #expect(report.problems.first?.sequence == 9)
        #expect(report.problems.first?.message.contains("edited") == true)
    }

    @Test func editingARecordAndItsHashIsFoundByTheCheckpoint() async throws {
        let fixture = try await Self.fixture()
        let store = try SQLiteLedgerStore(path: fixture.path)
        let original = try #require(try store.entries(in: 9..<10).first)
        let forged = Array(String(decoding: original.encoded, as: UTF8.self).replacingOccurrences(of: "midtrans", with: "xendit").utf8)
        let attacker = try fixture.attacker()
        let update = try attacker.prepare("UPDATE ledger_entries SET entry = ?, leaf_hash = ? WHERE seq = 9")
        update.bind(1, forged)
        update.bind(2, MerkleTree.leafHash(forged))
        _ = try update.step()
        let report = try fixture.report()
        #expect(!report.isValid)
        let problem = try #require(report.problems.first)
        #expect(problem.message.contains("does not match"))
        #expect((problem.sequence ?? 99) <= 9, "the range named starts at or before the edited record")
    }

    @Test func deletingARecordIsFound() async throws {
        let fixture = try await Self.fixture()
        try fixture.attacker().execute("DELETE FROM ledger_entries WHERE seq = 5")
        let report = try fixture.report()
        #expect(report.problems.first?.sequence == 5)
        #expect(report.problems.first?.message.contains("deleted") == true)
    }

    @Test func deletingTheNewestRecordsIsFound() async throws {
        let fixture = try await Self.fixture()
        try fixture.attacker().execute("DELETE FROM ledger_entries WHERE seq >= 20")
        let report = try fixture.report()
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.message.contains("missing") })
    }

    @Test func reorderingTwoRecordsIsFound() async throws {
        let fixture = try await Self.fixture()
        let attacker = try fixture.attacker()
        try attacker.execute("UPDATE ledger_entries SET seq = -1 WHERE seq = 3; UPDATE ledger_entries SET seq = 3 WHERE seq = 4; UPDATE ledger_entries SET seq = 4 WHERE seq = -1;")
        let report = try fixture.report()
        #expect(report.problems.first?.sequence == 3)
        #expect(report.problems.first?.message.contains("moved") == true)
    }

    @Test func aForgedCheckpointIsFound() async throws {
        let fixture = try await Self.fixture()
        let forger = NoteSigner.generate(name: fixture.signer.name)
        let checkpoint = Checkpoint(origin: forger.name, size: 30, root: MerkleTree.emptyRoot)
        try SQLiteLedgerStore(path: fixture.path).appendCheckpoint(checkpoint, note: try forger.sign(checkpoint.text), at: Date())
        let report = try fixture.report()
        #expect(report.problems.contains { $0.message.contains("signature does not verify") })
    }

    @Test func receiptsVerifyOfflineAndCatchAlteration() async throws {
        let fixture = try await Self.fixture()
        let receipt = try InclusionReceipt.make(for: 13, from: try SQLiteLedgerStore(path: fixture.path))
        let parsed = try InclusionReceipt(text: receipt.text)
        #expect(try parsed.verify(with: fixture.signer.verifier).size == 24)
        let altered = receipt.text.replacingOccurrences(
            of: Data(receipt.record).base64EncodedString(),
            with: Data(String(decoding: receipt.record, as: UTF8.self).replacingOccurrences(of: "payment", with: "loyalty").utf8).base64EncodedString())
        #expect(throws: LedgerError.self) { try InclusionReceipt(text: altered).verify(with: fixture.signer.verifier) }
        #expect(throws: LedgerError.self) { try parsed.verify(with: NoteSigner.generate(name: fixture.signer.name).verifier) }
    }
}
