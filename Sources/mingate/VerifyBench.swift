import ArgumentParser
import Crypto
import Foundation
import MingateLedger
import MingatePolicy

extension LedgerCommand {
    /// How fast `audit verify` checks a large ledger, and how many bytes a record costs on disk.
    struct VerifyBench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "bench-verify",
            abstract: "Fill a scratch SQLite ledger (decision + outcome per request, a signed checkpoint every N) and time `audit verify` on it.",
            discussion: """
                A ledger file that already holds the records asked for is reused, so repeated runs measure only the \\
                verification. Prints the fill rate, bytes on disk per forwarded request, and verified records/s for a \\
                full pass and for an incremental pass from the checkpoint at the middle.
                """)

        @Option(help: "The scratch SQLite file.") var path: String = "/tmp/mingate-verify-bench.sqlite"
        @Option(help: "Records in the ledger (two per forwarded request).") var entries: Int = 1_000_000
        @Option(help: "Records between signed checkpoints.") var checkpointEvery: Int = 1000
        @Option(help: "Fail when a forwarded request costs more bytes on disk than this (the format's target: 1024).")
        var maxBytesPerRequest: Int?

        func run() async throws {
            guard entries > 0, checkpointEvery > 0 else { throw CommandFailure("--entries and --checkpoint-every are positive") }
            let signer = try Self.benchSigner()
            var store: any LedgerStore = try SQLiteLedgerStore(path: path)
            var size = Int(try store.size())
            if size > entries + 2 { throw CommandFailure("\(path) already holds \(size) records, more than --entries; use another --path") }
            if size < entries {
                let filled = try fill(store, from: size, signer: signer)
                let now = Int(try store.size())
                print(String(format: "filled %d records in %.1f s (%.0f records/s)", now - size, filled, Double(now - size) / filled))
                size = now
                store = try SQLiteLedgerStore(path: path)
                try store.maintain()
            }
            let bytes = Self.fileSize(path) + Self.fileSize(path + "-wal")
            let perRequest = Double(bytes) / Double(size) * 2
            print(String(format: "on disk: %.1f MB, %.0f bytes per forwarded request (decision + outcome, indexes, hashes)",
                Double(bytes) / 1e6, perRequest))
            if let maxBytesPerRequest, perRequest > Double(maxBytesPerRequest) {
                throw CommandFailure(String(format: "%.0f bytes per forwarded request, over --max-bytes-per-request %d", perRequest, maxBytesPerRequest))
            }
            let auditor = LedgerAuditor(verifier: signer.verifier)
            let (full, fullSeconds) = try Self.timed { try auditor.verify(store) }
            guard full.isValid else { throw CommandFailure("the bench ledger does not verify: \(full.problems.prefix(3))") }
            print(String(format: "verify, full pass: %d records, %d checkpoints in %.2f s: %.0f records/s",
                full.checkedEntries, full.checkpoints, fullSeconds, Double(full.checkedEntries) / fullSeconds))
            guard let middle = try store.checkpoints(from: size / 2, limit: 1).first else { throw CommandFailure("no checkpoint past the middle") }
            let kept = try auditor.keptCheckpoint(middle.note)
            let (incremental, incrementalSeconds) = try Self.timed { try auditor.verify(store, since: kept) }
            guard incremental.isValid else { throw CommandFailure("the incremental pass failed: \(incremental.problems.prefix(3))") }
            print(String(format: "verify --since-checkpoint (size %d): %d records checked in %.2f s: %.0f records/s",
                kept.size, incremental.checkedEntries, incrementalSeconds, Double(incremental.checkedEntries) / incrementalSeconds))
            try await timeReceipts(for: Int64(size / 3))
        }

        /// A receipt as the gateway computes it (its log keeps the block roots it built when it loaded the log) and
        /// as the tools do (from every leaf hash up to the checkpoint); the two must be the same receipt.
        func timeReceipts(for record: Int64) async throws {
            let gateway = BlockingLedgerLog(store: try SQLiteLedgerStore(path: path))
            await gateway.start()
            let loadStarted = ContinuousClock.now
            let loaded = try await gateway.load()
            gateway.blocks?.reset(loaded.leaves)  // as the writer does when it opens the log
            let loadSeconds = (ContinuousClock.now - loadStarted).inSeconds
            let began = ContinuousClock.now
            let fromBlocks = try await gateway.receipt(for: record)
            let blocksSeconds = (ContinuousClock.now - began).inSeconds
            await gateway.shutdown()
            let (fromLeaves, leavesSeconds) = try await BlockingLedgerLog.using(try SQLiteLedgerStore(path: path)) { log in
                let began = ContinuousClock.now
                let receipt = try await log.receipt(for: record)
                return (receipt, (ContinuousClock.now - began).inSeconds)
            }
            guard fromBlocks.text == fromLeaves.text else { throw CommandFailure("the receipts from block roots and from every leaf differ") }
            print(String(format: "receipt for record %lld of %d: %.1f ms from block roots (built once, at load: %.2f s), %.1f ms from every leaf hash",
                record, loaded.leaves.count, blocksSeconds * 1000, loadSeconds, leavesSeconds * 1000))
        }

        /// A fixed key, so a reused scratch ledger verifies across runs.
        static func benchSigner() throws -> NoteSigner {
            NoteSigner(name: "bench.mingate/verify", key: try Curve25519.Signing.PrivateKey(rawRepresentation: [UInt8](repeating: 7, count: 32)))
        }

        /// Appends requests (a decision, then its outcome, as the gateway writes them) about `checkpointEvery` records
        /// at a time, signing a checkpoint after each batch. The first decision of a shape also writes its shape entry.
        func fill(_ store: any LedgerStore, from start: Int, signer: NoteSigner) throws -> Double {
            var tree = try CompactRange(store, upTo: start)
            let began = ContinuousClock.now
            var time = Date(timeIntervalSince1970: 1_764_000_000)
            var request = start / 2
            var reported = tree.size / 500_000
            while tree.size < entries {
                let count = max(1, min(checkpointEvery, entries - tree.size) / 2)
                let decisions = try store.append((request..<request + count).map { .disclosure(Bench.sample(worker: 0, index: $0)) }, at: time)
                for entry in decisions { tree.append(entry.leafHash) }
                let outcomes = decisions.filter { $0.kind == .disclosure }.map { decision in
                    LedgerDraft.outcome(
                        Outcome(
                            requestID: decision.requestID, decisionSequence: decision.sequence, partner: "logistics-co", status: 200,
                            bytesSent: 479, bytesReceived: 120, latencyMilliseconds: 3, error: nil, response: "relayed"))
                }
                for entry in try store.append(outcomes, at: time + 0.003) { tree.append(entry.leafHash) }
                request += count
                time += 0.05
                let checkpoint = Checkpoint(origin: signer.name, size: tree.size, root: tree.root)
                try store.appendCheckpoint(checkpoint, note: try signer.sign(checkpoint.text), at: time)
                if tree.size / 500_000 > reported {
                    reported = tree.size / 500_000
                    FileHandle.standardError.write(Data("… \(tree.size) records\n".utf8))
                }
            }
            return (ContinuousClock.now - began).inSeconds
        }

        static func timed<T>(_ body: () throws -> T) throws -> (T, Double) {
            let began = ContinuousClock.now
            let value = try body()
            return (value, (ContinuousClock.now - began).inSeconds)
        }

        static func fileSize(_ path: String) -> Int {
            ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
        }
    }
}
