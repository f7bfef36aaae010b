import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

@Suite struct LedgerWriterTests {
    static func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString).sqlite").path
    }

    static func disclosure(_ index: Int) -> Disclosure {
        var disclosure = Disclosure(requestID: "req-\(index)", method: "POST", policyVersion: "v")
        disclosure.partner = "midtrans"
        disclosure.purpose = "payment"
        disclosure.decision = .forward
        disclosure.reason = "allowed"
        disclosure.disclosed = [DisclosedField(path: "$['a']", category: "transaction.order_id", transform: "keep")]
        return disclosure
    }

    @Test(arguments: LedgerBackend.available)
    func concurrentAppendsShareCommitsAndGetDistinctSequences(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let writer = LedgerWriter(store: try LedgerURL(url).open())
        let sequences = try await writer.running { writer in
            try await withThrowingTaskGroup(of: Int64.self) { group in
                for index in 0..<300 { group.addTask { try await writer.append(Self.disclosure(index)).sequence } }
                return try await group.reduce(into: []) { $0.append($1) }
            }
        }
        // One shape for all 300 (same partner, purpose, fields): its entry first, in the first commit.
        #expect(Set(sequences) == Set(1..<301))
        let entries = try LedgerURL(url).open().entries(in: 0..<1000)
        #expect(entries.count == 301)
        #expect(entries.map(\.sequence) == Array(0..<301))
        #expect(entries.map(\.kind) == [.shape] + Array(repeating: .disclosure, count: 300))
        // Each entry's stored encoding says its own sequence number.
        for entry in entries { #expect(entry.document?["seq"] == .number(JSONNumber(Int(entry.sequence)))) }
    }

    @Test(arguments: LedgerBackend.available)
    func aSecondWriterOnTheSameLogWaitsUntilTheFirstHasEnded(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let first = LedgerWriter(store: try LedgerURL(url).open())
        let firstRun = Task { try await first.run() }
        #expect(try await first.append(Self.disclosure(0)).sequence == 1, "after its shape")

        // A second gateway on the same ledger (SQLite file, PostgreSQL origin) appends nothing and says why.
        let second = LedgerWriter(store: try LedgerURL(url).open())
        let secondRun = Task { try await second.run() }
        await #expect(throws: LedgerError.self) { try await second.append(Self.disclosure(1)) }
        #expect(!second.isHealthy)
        #expect(second.status.lastFailure?.contains("another") == true, "\(second.status.lastFailure ?? "")")
        #expect(second.unavailableBecause == .originHeld)
        #expect(first.unavailableBecause == nil)
        #expect(try await first.append(Self.disclosure(2)).sequence == 2, "the first writes on")

        // Once the first has ended, the second holds the log at its next try and continues it.
        await first.close()
        try await firstRun.value
        var sequence: Int64?
        for _ in 0..<50 where sequence == nil {
            sequence = try? await second.append(Self.disclosure(3)).sequence
            if sequence == nil { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(sequence == 4, "after the shape it writes again, new to this process: \(second.status.lastFailure ?? "")")
        await second.close()
        try await secondRun.value
    }

    @Test(arguments: LedgerBackend.available)
    func sequenceContinuesAfterReopen(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let first = LedgerWriter(store: try LedgerURL(url).open())
        try await first.running { first in
            let decision = try await first.append(Self.disclosure(0))
            first.record(Outcome(requestID: "req-0", decisionSequence: decision.sequence, partner: "midtrans", status: 200, bytesSent: 10, bytesReceived: 20, latencyMilliseconds: 3, error: nil))
        }
        let second = LedgerWriter(store: try LedgerURL(url).open())
        let sequence = try await second.running { try await $0.append(Self.disclosure(1)).sequence }
        #expect(sequence == 4, "shape 0, decision 1, the outcome flushed on close 2, the shape again (new to this process) 3")
        let store = try LedgerURL(url).open()
        #expect(try store.size() == 5)
        #expect(try store.entries(in: 0..<5).map(\.kind) == [.shape, .disclosure, .outcome, .shape, .disclosure])
        // One request's entries, its outcome with it when asked (never the shape it wrote).
        var filter = LedgerFilter(requestID: "req-0").within(url)
        #expect(try store.query(filter, after: .start, limit: 10).map(\.sequence) == [1])
        filter.includeOutcomes = true
        #expect(try store.query(filter, after: .start, limit: 10).map(\.sequence) == [1, 2])
        #expect(try store.query(LedgerFilter(requestID: "req-9").within(url), after: .start, limit: 10).isEmpty)
    }

    @Test func canonicalEncodingIsStable() {
        let time = Date(timeIntervalSince1970: 1_764_000_000.123)
        var disclosure = Self.disclosure(7)
        disclosure.disclosed += [
            DisclosedField(path: "$['items'][0]['sku']", category: "transaction.items", transform: "keep"),
            DisclosedField(path: "$['items'][1]['sku']", category: "transaction.items", transform: "keep"),
        ]
        disclosure.withheld = ["$['items'][0]['name']", "$['items'][1]['name']", "$['a[0]']", "header:cookie"]
        let record = String(decoding: LedgerEncoding.encode(.disclosure(disclosure), sequence: 42, at: time, shape: 40), as: UTF8.self)
        #expect(
            record
                == #"{"decision":"forward","kind":"disclosure","partner":"midtrans","purpose":"payment","reason":"allowed","request_id":"req-7","seq":42,"shape":40,"time":"2025-11-24T16:00:00.123Z","v":2}"#)
        let shape = String(decoding: LedgerEncoding.encode(.shape(RecordShape(disclosure), requestID: "req-7"), sequence: 40, at: time), as: UTF8.self)
        #expect(
            shape
                == #"{"disclosed":[{"category":"transaction.order_id","count":1,"path":"$['a']","transform":"keep"},{"category":"transaction.items","count":2,"path":"$['items'][*]['sku']","transform":"keep"}],"kind":"shape","method":"POST","partner":"midtrans","policy_version":"v","purpose":"payment","request_id":"req-7","seq":40,"time":"2025-11-24T16:00:00.123Z","v":2,"withheld":[{"count":2,"path":"$['items'][*]['name']"},{"count":1,"path":"$['a[0]']"},{"count":1,"path":"header:cookie"}]}"#)
    }

    @Test func directEncodingMatchesTheSortedObject() {
        var full = Self.disclosure(3)
        full.caller = "checkout-service"
        full.subjectKey = "ab\"c"
        full.withheld = ["$['customer']", "header:cookie"]
        full.transferBasis = "adequacy"
        let outcome = Outcome(requestID: "r\n1", decisionSequence: 7, partner: "p", status: nil, bytesSent: 1, bytesReceived: 2, latencyMilliseconds: 3, error: "partner_timeout")
        let answered = Outcome(
            requestID: "r2", decisionSequence: 8, partner: "p", status: 200, bytesSent: 1, bytesReceived: 2, latencyMilliseconds: 3, error: nil,
            response: "minimised", received: [DisclosedField(path: "$['status']", category: "transaction.status", transform: "keep")])
        for draft in [
            LedgerDraft.disclosure(full), .disclosure(Self.disclosure(0)), .outcome(outcome), .outcome(answered),
            .shape(RecordShape(full), requestID: "r3"),
        ] {
            let time = Date(timeIntervalSince1970: 1_764_000_000.5)
            #expect(LedgerEncoding.encode(draft, sequence: 12, at: time, shape: 5) == LedgerEncoding.referenceObject(draft, sequence: 12, at: time, shape: 5))
        }
    }

    @Test func storedEntriesCannotBeUpdatedOrDeletedThroughSQLite() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = LedgerWriter(store: try SQLiteLedgerStore(path: path))
        _ = try await writer.running { try await $0.append(Self.disclosure(0)) }
        let database = try SQLiteDatabase(path: path)
        #expect(throws: LedgerError.self) { try database.execute("DELETE FROM ledger_entries") }
        #expect(throws: LedgerError.self) { try database.execute("UPDATE ledger_entries SET partner = 'x'") }
    }

    @Test(arguments: LedgerBackend.available)
    func aKeyForAnotherOriginStopsTheWriterBeforeAnythingIsAppended(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let first = NoteSigner.generate(name: "test.mingate/gw-1")
        let writer = LedgerWriter(store: try LedgerURL(url).open(), checkpointing: .init(signer: first, origin: first.name, interval: 0))
        try await writer.running { writer in _ = try await writer.append(Self.disclosure(0)) }

        // The same log with gw-2's key (on PostgreSQL, which may be down at start, this is when it is first reached):
        // the writer ends with the reason, and a gateway's service group with it, instead of serving 503s.
        let second = NoteSigner.generate(name: "test.mingate/gw-2")
        let wrong = LedgerWriter(store: try LedgerURL(url).open(), checkpointing: .init(signer: second, origin: second.name, interval: 0))
        let run = Task { try await wrong.run() }
        let refused = await #expect(throws: LedgerError.self) { try await wrong.append(Self.disclosure(1)) }
        #expect(refused?.code == .originMismatch || refused?.code == .closed, "\(String(describing: refused))")
        let ended = await #expect(throws: LedgerError.self) { try await run.value }
        #expect(ended?.code == .originMismatch)
        #expect(ended?.message.contains("this log's checkpoints are for test.mingate/gw-1") == true, "\(String(describing: ended))")
        #expect(!wrong.isHealthy)
        #expect(try LedgerURL(url).open().size() == 2, "nothing was appended under the other origin (a shape and a decision before)")
    }

    @Test func aCheckpointIsSignedAfterAnIdleIntervalWithoutAnotherAppend() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let signer = NoteSigner.generate(name: "test.mingate/idle")
        let writer = LedgerWriter(
            store: try SQLiteLedgerStore(path: path), checkpointing: .init(signer: signer, origin: signer.name, interval: 0.2))
        try await writer.running { writer in
            _ = try await writer.append(Self.disclosure(0))
            _ = try await writer.append(Self.disclosure(1))
            // No further request: the tick signs the checkpoint once the interval has passed.
            try await Task.sleep(for: .milliseconds(900))
            let checkpoints = try SQLiteLedgerStore(path: path).checkpoints()
            #expect(checkpoints.last?.size == 3, "signed while idle (a shape, two decisions): \(checkpoints.map(\.size))")
            #expect(writer.unsignedEntries == 0)
        }
    }

    @Test func whenIdleTheWALIsFoldedBackIntoTheDatabaseFile() async throws {
        let path = Self.temporaryPath()
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let writer = LedgerWriter(store: try SQLiteLedgerStore(path: path))
        try await writer.running { writer in
            for index in 0..<200 { _ = try await writer.append(Self.disclosure(index)) }
            let walSize = { ((try? FileManager.default.attributesOfItem(atPath: path + "-wal"))?[.size] as? Int) ?? 0 }
            #expect(walSize() > 0, "commits go to the WAL first")
            // Idle past the maintenance interval: the WAL is checkpointed and truncated.
            for _ in 0..<80 where walSize() > 0 { try await Task.sleep(for: .milliseconds(100)) }
            #expect(walSize() == 0)
        }
        #expect(try SQLiteLedgerStore(path: path).size() == 201, "200 decisions and their shape")
    }

    @Test func shutdownWithTheStoreFailingEndsWithinItsGrace() async throws {
        let path = Self.temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = LedgerWriter(store: try SQLiteLedgerStore(path: path), commitTimeout: .seconds(10))
        let started = try await writer.running { writer -> ContinuousClock.Instant in
            _ = try await writer.append(Self.disclosure(0))
            // Every insert fails from now on, as with a full disk.
            try SQLiteDatabase(path: path).execute(
                "CREATE TRIGGER fail_inserts BEFORE INSERT ON ledger_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            await #expect(throws: LedgerError.self) { _ = try await writer.append(Self.disclosure(1)) }
            // An outcome nobody waits for stays queued and is retried…
            writer.record(Outcome(requestID: "req-0", decisionSequence: 0, partner: "midtrans", status: 200, bytesSent: 1, bytesReceived: 1, latencyMilliseconds: 1, error: nil))
            #expect(!writer.isHealthy)
            return ContinuousClock.now
        }
        // …until shutdown gives up on it after the grace (5 s by default) instead of never exiting.
        let took = ContinuousClock.now - started
        #expect(took < .seconds(8), "shutdown took \(took)")
        #expect(try SQLiteLedgerStore(path: path).size() == 2, "only what could be written: the first decision and its shape")
    }

    @Test func ledgerURLs() throws {
        #expect(try LedgerURL("sqlite:/tmp/x.sqlite") == .sqlite(path: "/tmp/x.sqlite"))
        #expect(throws: LedgerError.self) { try LedgerURL("mysql://x") }
        #expect(
            try LedgerURL("postgres://u:p@db.internal:6543/ledger?origin=gw-2")
                == .postgres(.init(host: "db.internal", port: 6543, username: "u", password: "p", database: "ledger", origin: "gw-2")))
    }
}
