import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// Tampering with a stored ledger is found by `LedgerAuditor`, naming the first bad record.
@Suite struct LedgerAuditTests {
    struct Fixture {
        let url: String
        let backend: LedgerBackend
        let signer: NoteSigner
        var auditor: LedgerAuditor { LedgerAuditor(verifier: signer.verifier) }
        func store() throws -> any LedgerStore { try LedgerURL(url).open() }
        func report() throws -> LedgerAuditor.Report { try auditor.verify(try store()) }
        func attacker() throws -> any LedgerAttacker { try backend.attacker(url) }
    }

    /// 24 records written in 4 batches, a checkpoint after each batch.
    static func fixture(_ backend: LedgerBackend) async throws -> Fixture {
        let url = backend.freshURL()
        let signer = NoteSigner.generate(name: "test.mingate/ledger")
        let writer = LedgerWriter(
            store: try LedgerURL(url).open(), checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
        try await writer.running { writer in
            for batch in 0..<4 {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for index in 0..<6 { group.addTask { _ = try await writer.append(LedgerWriterTests.disclosure(batch * 6 + index)) } }
                    try await group.waitForAll()
                }
            }
        }
        return Fixture(url: url, backend: backend, signer: signer)
    }

    static func edited(_ entry: LedgerEntry) -> [UInt8] {
        Array(String(decoding: entry.encoded, as: UTF8.self).replacingOccurrences(of: "midtrans", with: "xendit").utf8)
    }

    @Test(arguments: LedgerBackend.available)
    func anUntouchedLedgerVerifies(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let report = try fixture.report()
        #expect(report.isValid, "\(report.problems)")
        #expect(report.entries == 24)
        #expect(report.checkpoints >= 2)
        #expect(report.verifiedSize == 24)
        // The latest checkpoint, with the time it was stored, is the last of them all.
        let store = try fixture.store()
        let latest = try #require(try store.latestCheckpoint())
        #expect(latest.size == 24)
        #expect(latest.note == (try store.checkpoints().last?.note))
        #expect(LedgerEncoding.date(latest.createdAt) != nil, "\(latest.createdAt)")
    }

    @Test(arguments: LedgerBackend.available)
    func editingARecordIsFound(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let original = try #require(try fixture.store().entries(in: 9..<10).first)
        try fixture.attacker().replaceEntry(9, with: Self.edited(original), leafHash: nil)
        let report = try fixture.report()
        #expect(!report.isValid)
        #expect(report.problems.first?.sequence == 9)
        #expect(report.problems.first?.message.contains("edited") == true)
    }

    @Test(arguments: LedgerBackend.available)
    func editingARecordAndItsHashIsFoundByTheCheckpoint(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let original = try #require(try fixture.store().entries(in: 9..<10).first)
        let forged = Self.edited(original)
        try fixture.attacker().replaceEntry(9, with: forged, leafHash: MerkleTree.leafHash(forged))
        let report = try fixture.report()
        #expect(!report.isValid)
        let problem = try #require(report.problems.first)
        #expect(problem.message.contains("does not match"))
        #expect((problem.sequence ?? 99) <= 9, "the range named starts at or before the edited record")
    }

    @Test(arguments: LedgerBackend.available)
    func deletingARecordIsFound(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        try fixture.attacker().delete(from: 5, through: 5)
        let report = try fixture.report()
        #expect(report.problems.first?.sequence == 5)
        #expect(report.problems.first?.message.contains("deleted") == true)
    }

    @Test(arguments: LedgerBackend.available)
    func deletingTheNewestRecordsIsFound(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        try fixture.attacker().delete(from: 20, through: 100)
        let report = try fixture.report()
        #expect(!report.isValid)
        #expect(report.problems.contains { $0.message.contains("missing") })
    }

    @Test(arguments: LedgerBackend.available)
    func reorderingTwoRecordsIsFound(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        try fixture.attacker().swap(3, 4)
        let report = try fixture.report()
        #expect(report.problems.first?.sequence == 3)
        #expect(report.problems.first?.message.contains("moved") == true)
    }

    @Test(arguments: LedgerBackend.available)
    func aForgedCheckpointIsFound(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let forger = NoteSigner.generate(name: fixture.signer.name)
        let checkpoint = Checkpoint(origin: forger.name, size: 30, root: MerkleTree.emptyRoot)
        try fixture.store().appendCheckpoint(checkpoint, note: try forger.sign(checkpoint.text), at: Date())
        let report = try fixture.report()
        #expect(report.problems.contains { $0.message.contains("signature does not verify") })
    }

    @Test(arguments: LedgerBackend.available)
    func receiptsVerifyOfflineAndCatchAlteration(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let receipt = try InclusionReceipt.make(for: 13, from: try fixture.store())
        let parsed = try InclusionReceipt(text: receipt.text)
        #expect(try parsed.verify(with: fixture.signer.verifier).size == 24)
        let altered = receipt.text.replacingOccurrences(
            of: Data(receipt.record).base64EncodedString(),
            with: Data(String(decoding: receipt.record, as: UTF8.self).replacingOccurrences(of: "payment", with: "loyalty").utf8).base64EncodedString())
        #expect(throws: LedgerError.self) { try InclusionReceipt(text: altered).verify(with: fixture.signer.verifier) }
        #expect(throws: LedgerError.self) { try parsed.verify(with: NoteSigner.generate(name: fixture.signer.name).verifier) }
    }
}
