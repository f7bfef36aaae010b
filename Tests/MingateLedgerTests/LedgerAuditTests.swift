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

    /// 24 decisions written in 4 batches, a checkpoint after each batch: 25 records, the first the shape they share.
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
        #expect(report.entries == 25)
        #expect(report.checkpoints >= 2)
        #expect(report.verifiedSize == 25)
        // The latest checkpoint, with the time it was stored, is the last of them all.
        let store = try fixture.store()
        let latest = try #require(try store.latestCheckpoint())
        #expect(latest.size == 25)
        #expect(latest.note == (try store.checkpoints().last?.note))
        #expect(LedgerEncoding.date(latest.createdAt) != nil, "\(latest.createdAt)")
    }

    @Test(arguments: LedgerBackend.available)
    func witnessCosignaturesAreKeptAndChecked(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let store = try fixture.store()
        let latest = try #require(try store.latestCheckpoint())
        let text = try #require(fixture.signer.verifier.verify(latest.note))
        let witness = Cosigner(name: "witness.test/w1")
        try store.appendCosignature(size: latest.size, witness: witness.name, line: try witness.cosign(text, timestamp: 1_790_000_000), at: Date())
        // A cosignature of another history at the same size: the witness saw a different root.
        let other = Cosigner(name: "witness.test/w2")
        let forged = Checkpoint(origin: fixture.signer.name, size: latest.size, root: Array(repeating: 7, count: 32)).text
        try store.appendCosignature(size: latest.size, witness: other.name, line: try other.cosign(forged, timestamp: 1_790_000_000), at: Date())
        #expect(try store.cosignatures().map(\.witness) == ["witness.test/w1", "witness.test/w2"])

        let auditor = fixture.auditor
        let good = try auditor.witnessed(store, by: [witness.verifier])
        #expect(good.problems.isEmpty && good.size == latest.size, "\(good.problems)")
        let bad = try auditor.witnessed(store, by: [witness.verifier, other.verifier])
        #expect(bad.size == nil)
        #expect(bad.problems.first?.message.contains("saw another history") == true, "\(bad.problems)")
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
        // The edit changed the partner the record names, so its index column no longer agrees: that names it.
        #expect(report.problems.first?.sequence == 9)
        #expect(report.problems.first?.message.contains("index edited: the partner column") == true)
        let problem = try #require(report.problems.first { $0.message.contains("does not match") })
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
        let receipt = try await BlockingLedgerLog.using(try fixture.store()) { log in try await log.receipt(for: 13) }
        let parsed = try InclusionReceipt(text: receipt.text)
        #expect(try parsed.verify(with: fixture.signer.verifier).size == 25)
        let altered = receipt.text.replacingOccurrences(
            of: Data(receipt.record).base64EncodedString(),
            with: Data(String(decoding: receipt.record, as: UTF8.self).replacingOccurrences(of: "payment", with: "loyalty").utf8).base64EncodedString())
        #expect(throws: LedgerError.self) { try InclusionReceipt(text: altered).verify(with: fixture.signer.verifier) }
        #expect(throws: LedgerError.self) { try parsed.verify(with: NoteSigner.generate(name: fixture.signer.name).verifier) }
    }

    @Test(arguments: LedgerBackend.available)
    func anEditedIndexColumnIsFoundAndCannotAddToASearch(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let otherKey = String(repeating: "ab", count: 32)
        do {
            let attacker = try fixture.attacker()
            try attacker.setColumn(9, "partner", to: "xendit")
            try attacker.setColumn(10, "subject_key", to: otherKey)
            try attacker.setColumn(11, "recorded_at", to: "2000-01-01T00:00:00.000Z")
        }
        let report = try fixture.report()
        #expect(!report.isValid)
        let named = report.problems.filter { $0.message.contains("index edited") }
        #expect(named.map(\.sequence) == [9, 10, 11], "\(report.problems)")
        #expect(named.first?.message.contains("partner") == true)
        #expect(named.last?.message.contains("recorded_at") == true)
        // A search through an edited column is refused loudly instead of answering with a record it does not match.
        let store = try fixture.store()
        for filter in [LedgerFilter(partner: "xendit"), LedgerFilter(subjectKey: otherKey), LedgerFilter(until: Date(timeIntervalSince1970: 1e9))] {
            #expect(throws: LedgerError.self, "\(filter)") { try store.query(filter.within(fixture.url), after: .start, limit: 100) }
        }
        let error = try #require(throws: LedgerError.self) { try store.query(LedgerFilter(partner: "xendit").within(fixture.url), after: .start, limit: 100) }
        #expect(error.code == .indexTampered)
        #expect(error.message.contains("record 9"))
    }

    @Test(arguments: LedgerBackend.available)
    func aWrongKeyOrAnEmptyLogNeverVerifies(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let stranger = NoteSigner.generate(name: "test.mingate/other")
        let wrongKey = try LedgerAuditor(verifier: stranger.verifier).verify(try fixture.store())
        #expect(!wrongKey.isValid)
        #expect(wrongKey.verifiedSize == 0)
        #expect(wrongKey.problems.contains { $0.message.contains("no checkpoint signed by test.mingate/other") })
        // The same key name with another origin line in the checkpoints is refused as well.
        let otherOrigin = try LedgerAuditor(verifier: fixture.signer.verifier, origin: "test.mingate/gw-2").verify(try fixture.store())
        #expect(otherOrigin.problems.contains { $0.message.contains("is for origin test.mingate/ledger, not test.mingate/gw-2") })
        let empty = try LedgerAuditor(verifier: fixture.signer.verifier).verify(try LedgerURL(backend.freshURL()).open())
        #expect(!empty.isValid)
        #expect(empty.problems.first?.message.contains("holds no records") == true)
    }

    @Test(arguments: LedgerBackend.available)
    func anIncrementalPassChecksOnlyWhatWasAddedAndTheKeptHistory(_ backend: LedgerBackend) async throws {
        let fixture = try await Self.fixture(backend)
        let stored = try fixture.store().checkpoints()
        let middle = try #require(stored.first { $0.size >= 6 && $0.size < 25 }, "\(stored.map(\.size))")
        let kept = try fixture.auditor.keptCheckpoint(middle.note)
        let incremental = try fixture.auditor.verify(try fixture.store(), since: kept)
        #expect(incremental.isValid, "\(incremental.problems)")
        #expect(incremental.checkedEntries == 25 - kept.size)
        #expect(incremental.entries == 25)
        #expect(incremental.verifiedSize == 25)
        // A record after the kept checkpoint edited: found and named.
        let late = try #require(try fixture.store().entries(in: 22..<23).first)
        try fixture.attacker().replaceEntry(22, with: Self.edited(late), leafHash: nil)
        #expect(try fixture.auditor.verify(try fixture.store(), since: kept).problems.first?.sequence == 22)
        // History before the kept checkpoint rewritten, hashes and all: the kept root is no longer produced.
        let early = try #require(try fixture.store().entries(in: 1..<2).first)
        let forged = Self.edited(early)
        try fixture.attacker().replaceEntry(1, with: forged, leafHash: MerkleTree.leafHash(forged))
        let rewritten = try fixture.auditor.verify(try fixture.store(), since: kept)
        #expect(rewritten.problems.contains { $0.message.contains("no longer produces your kept checkpoint") })
        // A kept checkpoint signed by another key is refused before any reading.
        let stranger = NoteSigner.generate(name: fixture.signer.name)
        #expect(throws: LedgerError.self) { try fixture.auditor.keptCheckpoint(try stranger.sign(kept.text)) }
    }

    @Test(arguments: LedgerBackend.available)
    func timeBoundsCompareAsTimesNotText(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        // Committed at 12:00:00.500: a bound of 12:00:00Z is before it, though "…00.500Z" < "…00Z" as text.
        let writer = LedgerWriter(store: try LedgerURL(url).open(), clock: { Date(timeIntervalSince1970: 1_764_072_000.5) })
        try await writer.running { writer in _ = try await writer.append(LedgerWriterTests.disclosure(0)) }
        let store = try LedgerURL(url).open()
        let second = Date(timeIntervalSince1970: 1_764_072_000)
        #expect(try store.query(LedgerFilter(since: second).within(url), after: .start, limit: 10).count == 1)
        #expect(try store.query(LedgerFilter(until: second).within(url), after: .start, limit: 10).isEmpty)
        #expect(try store.query(LedgerFilter(until: second.addingTimeInterval(1)).within(url), after: .start, limit: 10).count == 1)
    }

    /// The columns a store writes for a draft and the columns read back from its canonical bytes agree, for every kind
    /// of entry (the two derivations cannot drift apart unnoticed); bytes that are not an entry read as nothing.
    @Test func indexColumnsReadFromTheEntryMatchTheColumnsWritten() {
        var escaped = LedgerWriterTests.disclosure(1)
        escaped.caller = "order-\"service\"\u{e9}\n"
        escaped.subjectKey = String(repeating: "c", count: 64)
        var inbound = LedgerWriterTests.disclosure(2)
        inbound.direction = .inbound
        var refused = LedgerWriterTests.disclosure(3)
        refused.decision = .refuse
        refused.reason = "caller_not_allowed"
        let drafts: [LedgerDraft] = [
            .disclosure(LedgerWriterTests.disclosure(0)), .disclosure(escaped), .disclosure(inbound), .disclosure(refused),
            .outcome(Outcome(requestID: "req-0", decisionSequence: 0, partner: "midtrans", status: 200, bytesSent: 1, bytesReceived: 2, latencyMilliseconds: 3, error: nil)),
            .refusals(RefusalSummary(windowStart: "2026-11-25T00:00:00Z", windowSeconds: 60, reason: "unauthenticated", source: "ab", partner: nil, count: 4)),
        ]
        let time = "2026-11-25T03:44:53.123Z"
        for (sequence, draft) in drafts.enumerated() {
            let bytes = LedgerEncoding.encode(draft, sequence: Int64(sequence), time: time)
            let read = IndexColumns.of(entry: bytes)
            #expect(read?.sequence == Int64(sequence), "\(draft.kind)")
            #expect(read?.columns == IndexColumns(draft, recordedAt: time), "\(draft.kind)")
        }
        let good = LedgerEncoding.encode(drafts[0], sequence: 0, time: time)
        for bad in [Array(good.dropLast()), good + Array(" ".utf8), Array("[]".utf8), Array("{}".utf8), Array(good.dropFirst())] {
            #expect(IndexColumns.of(entry: bad) == nil)
        }
    }
}
