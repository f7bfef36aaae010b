import ArgumentParser
import Foundation
import MingateLedger
import MingatePolicy

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and read the disclosure ledger.",
        subcommands: [Verify.self, Query.self, Subject.self, Proof.self, VerifyProof.self, Consistency.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the tree from the stored records and check every checkpoint, in one streaming pass.",
            discussion: """
                Checks each record's hash, its index columns against the record itself, the sequence, and every \
                checkpoint's signature, origin and root. Exits 0 when the ledger verifies, 1 when it does not (naming \
                the first bad record). A log with no records, or no checkpoint under the key, fails.

                Incremental: --keep-checkpoint FILE saves the latest verified checkpoint; a later run with \
                --since-checkpoint FILE checks only the records added since, and that the log still produces the kept \
                checkpoint (nothing before it rewritten).
                """)

        @OptionGroup var ledger: LedgerOption
        @Option(help: "The log's verifier key file (PREFIX.pub from `mingate ledger keygen`).") var key: String
        @Option(help: "A checkpoint kept from an earlier run (its signed note): check only what was added after it.")
        var sinceCheckpoint: String?
        @Option(help: "Write the latest verified checkpoint (signed note) here, for the next --since-checkpoint.")
        var keepCheckpoint: String?
        @Option(help: "A witness's cosignature key (name+id+base64, or a file holding it); repeat for each. Requires checkpoints they cosigned.")
        var witness: [String] = []

        func run() throws {
            let verifier = try KeyFiles.verifier(key)
            let auditor = LedgerAuditor(verifier: verifier)
            let witnesses = try witness.map { given throws -> CosignatureVerifier in
                let text = (try? String(contentsOfFile: given, encoding: .utf8)) ?? given
                do throws(LedgerError) { return try CosignatureVerifier(verifierKey: text) } catch { throw CommandFailure("--witness \(given): \(error.message)") }
            }
            var kept: Checkpoint?
            if let sinceCheckpoint {
                guard let note = try? String(contentsOfFile: sinceCheckpoint, encoding: .utf8) else {
                    throw CommandFailure("cannot read the kept checkpoint '\(sinceCheckpoint)'")
                }
                do {
                    kept = try auditor.keptCheckpoint(note)
                } catch {
                    throw CommandFailure("\(sinceCheckpoint): \(error.message)")
                }
            }
            let store = try ledger.open()
            let started = ContinuousClock.now
            var reported = 0
            var report = try auditor.verify(store, since: kept) { count in
                if count - reported >= 1_000_000 {
                    reported = count
                    FileHandle.standardError.write(Data("… \(count) records\n".utf8))
                }
            }
            let seconds = (ContinuousClock.now - started).inSeconds
            if let kept = report.kept {
                print("kept checkpoint: size \(kept.size) (records before it not re-read)")
            }
            print("records: \(report.entries) (checked in this pass: \(report.checkedEntries))")
            print("checkpoints: \(report.checkpoints)")
            if let latest = report.latest {
                print("latest verified checkpoint: size \(latest.size), root \(Data(latest.root).base64EncodedString()), origin \(latest.origin)")
            }
            if report.entries > report.verifiedSize {
                print("not yet covered by a checkpoint: records \(report.verifiedSize)…\(report.entries - 1)")
            }
            print(String(format: "time: %.2f s, %.0f records/s", seconds, Double(report.checkedEntries) / max(seconds, 1e-9)))
            if !witnesses.isEmpty {
                let witnessed: LedgerAuditor.WitnessReport
                do throws(LedgerError) { witnessed = try auditor.witnessed(store, by: witnesses) } catch { throw CommandFailure(error.description) }
                for (name, size) in witnessed.latest { print("witness \(name): cosigned up to size \(size)") }
                if let size = witnessed.size {
                    print("witnessed by all \(witnesses.count): size \(size)" + (report.verifiedSize > size ? " (records \(size)…\(report.verifiedSize - 1) not yet witnessed)" : ""))
                }
                report.problems += witnessed.problems
            }
            if report.isValid {
                if let keepCheckpoint, let note = report.latestNote {
                    try note.write(toFile: keepCheckpoint, atomically: true, encoding: .utf8)
                    print("kept the checkpoint at size \(report.verifiedSize) in \(keepCheckpoint)")
                }
                print(report.kept == nil
                    ? "OK: every record matches its hash, its index and every checkpoint"
                    : "OK: every record since the kept checkpoint matches its hash, its index and every checkpoint; the log is consistent with the kept checkpoint")
            } else {
                print("FAILED: \(report.problems.count) problem(s); the first:")
                for problem in report.problems.prefix(20) { print("  \(problem)") }
                throw ExitCode(1)
            }
        }
    }

    struct Filters: ParsableArguments {
        @Option(help: "Partner id.") var partner: String?
        @Option(help: "Purpose id.") var purpose: String?
        @Option(help: "Caller id.") var caller: String?
        @Option(help: "forward or refuse.") var decision: String?
        @Option(help: "From this UTC time (RFC 3339, e.g. 2026-11-01T00:00:00Z), inclusive.") var since: String?
        @Option(help: "Until this UTC time, exclusive.") var until: String?
        @Option(help: "Only this log's records, in a PostgreSQL ledger of several gateway instances (default: every log).")
        var origin: String?

        /// A bound as a time; a text that is not one is an error, never a silently different search.
        func time(_ text: String?, _ option: String) throws -> Date? {
            guard let text else { return nil }
            guard let date = LedgerEncoding.date(text) else {
                throw CommandFailure("\(option) is an RFC 3339 UTC time like 2026-11-01T00:00:00Z or 2026-11-01T00:00:00.000Z")
            }
            return date
        }
    }

    enum Format: String, ExpressibleByArgument {
        case table, jsonl, csv
    }

    struct Query: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List decisions by partner, purpose, caller, decision and time.")
        @OptionGroup var ledger: LedgerOption
        @OptionGroup var filters: Filters
        @OptionGroup var folders: PolicyCommand.Folders
        @Option(help: "The data subject's keyed hash (see `audit subject` to search by the subject's id).") var subjectKey: String?
        @Option(help: "table, jsonl or csv.") var format: Format = .table
        @Option(help: "At most this many records.") var limit: Int = 1000
        @Flag(help: "Partners' hooks (inbound entries) instead of calls to partners; --purpose is then a hook id.") var inbound = false

        func run() throws {
            do {
                try folders.compile().checkSearch(partner: filters.partner, purpose: filters.purpose, caller: filters.caller, hooks: inbound)
            } catch let refusal as Refusal {
                throw CommandFailure("\(refusal.code.rawValue): \(refusal.message)")
            }
            if let decision = filters.decision, !["forward", "refuse"].contains(decision) {
                throw CommandFailure("--decision is forward or refuse")
            }
            var filter = LedgerFilter(
                partner: filters.partner, purpose: filters.purpose, caller: filters.caller, subjectKey: subjectKey,
                decision: filters.decision, since: try filters.time(filters.since, "--since"), until: try filters.time(filters.until, "--until"))
            filter.kind = inbound ? .inbound : .disclosure
            filter.origin = filters.origin
            let entries = try ledger.open().query(filter, after: .start, limit: limit)
            print(RecordTable.render(entries, format: format))
        }
    }

    struct Subject: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Every disclosure of one person's data: who received which categories, when and why.",
            discussion: "Needs the gateway's ledger key (to compute the subject's keyed hash), from the environment.")
        @OptionGroup var ledger: LedgerOption
        @Argument(help: "The data subject's id as the callers send it (X-Mingate-Subject).") var id: String
        @Option(help: "Environment variable holding the ledger key.") var ledgerKeyEnv = "MINGATE_LEDGER_KEY"
        @Option(help: "table, jsonl or csv.") var format: Format = .table

        func run() throws {
            let subjectKey = try ledger.subjectKey(of: id, keyEnv: ledgerKeyEnv)
            let entries = try ledger.open().query(LedgerFilter(subjectKey: subjectKey), after: .start, limit: 1_000_000)
            if format == .table { print("subject key: \(subjectKey)\n") }
            print(RecordTable.render(entries, format: format))
        }
    }

    struct Proof: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an offline receipt for one record: the record, its inclusion proof and a signed checkpoint.")
        @OptionGroup var ledger: LedgerOption
        @Argument(help: "The record's sequence number.") var sequence: Int64
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() async throws {
            let receipt: InclusionReceipt
            do {
                receipt = try await BlockingLedgerLog.using(try ledger.open()) { log in try await log.receipt(for: sequence) }
            } catch let error as LedgerError {
                throw CommandFailure(error.message)
            }
            try AuditCommand.emit(receipt.text, to: out)
        }
    }

    struct VerifyProof: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "verify-proof", abstract: "Check an offline receipt with only the log's verifier key.")
        @Argument(help: "The receipt file.") var file: String
        @Option(help: "The log's verifier key file.") var key: String

        func run() throws {
            let verifier = try KeyFiles.verifier(key)
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { throw CommandFailure("cannot read '\(file)'") }
            do {
                let receipt = try InclusionReceipt(text: text)
                let checkpoint = try receipt.verify(with: verifier)
                print("OK: record \(receipt.index) is in \(checkpoint.origin) at size \(checkpoint.size)")
                print(String(decoding: receipt.record, as: UTF8.self))
            } catch {
                print("FAILED: \(error.message)")
                throw ExitCode(1)
            }
        }
    }
}

extension AuditCommand {
    /// A consistency proof between two tree sizes, and with `--key` its check against the two signed checkpoints.
    struct Consistency: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Prove that the log at a newer checkpoint extends the log at an older size (RFC 9162 §2.1.4).",
            discussion: """
                OLD and NEW are tree sizes, or files holding signed checkpoints (as kept from `GET /audit/checkpoint` \
                or `audit verify --keep-checkpoint`). NEW must be the size of a stored checkpoint. Prints the proof \
                (`old N`, the hashes, a blank line, the newer checkpoint); with --key, also checks it against the \
                older checkpoint (the one in the OLD file, or the stored one of that size) and exits 1 if it fails.
                """)
        @OptionGroup var ledger: LedgerOption
        @Argument(help: "The older tree size, or a file with its signed checkpoint.") var old: String
        @Argument(help: "The newer tree size, or a file with its signed checkpoint.") var new: String
        @Option(help: "The log's verifier key file: check the proof too.") var key: String?
        @Option(help: "Write the proof to this file instead of standard output.") var out: String?

        func run() async throws {
            let verifier = try key.map(KeyFiles.verifier)
            let (oldSize, oldNote) = try Self.size(of: old, verifier)
            let (newSize, _) = try Self.size(of: new, verifier)
            let store = try ledger.open()
            let (proof, storedOld): (ConsistencyProof, String?)
            do {
                (proof, storedOld) = try await BlockingLedgerLog.using(store) { log in
                    (try await log.consistency(from: oldSize, to: newSize), try await log.checkpoints().first { $0.size == oldSize }?.note)
                }
            } catch let error as LedgerError {
                throw CommandFailure(error.message)
            }
            try AuditCommand.emit(proof.text, to: out)
            guard let verifier else { return }
            guard let note = oldNote ?? storedOld, let text = verifier.verify(note) else {
                print("FAILED: no checkpoint of size \(oldSize) signed by \(verifier.name) to check against")
                throw ExitCode(1)
            }
            do {
                let newer = try proof.verify(from: try Checkpoint(text: text), with: verifier)
                FileHandle.standardError.write(Data("OK: \(newer.origin) at size \(newer.size) extends size \(oldSize)\n".utf8))
            } catch {
                print("FAILED: \(error.message)")
                throw ExitCode(1)
            }
        }

        /// A size given as a number, or read from a checkpoint file (whose signature is checked when a key is given).
        static func size(of argument: String, _ verifier: NoteVerifier?) throws -> (Int, String?) {
            if let size = TlogText.decimal(argument) { return (size, nil) }
            guard let note = try? String(contentsOfFile: argument, encoding: .utf8) else {
                throw CommandFailure("'\(argument)' is neither a tree size nor a readable checkpoint file")
            }
            let text: String
            if let verifier {
                guard let verified = verifier.verify(note) else {
                    throw CommandFailure("\(argument): the checkpoint's signature does not verify with \(verifier.name)'s key")
                }
                text = verified
            } else {
                do { text = try SignedNote(parsing: note).text } catch { throw CommandFailure("\(argument): \(error.message)") }
            }
            do { return (try Checkpoint(text: text).size, note) } catch { throw CommandFailure("\(argument): \(error.message)") }
        }
    }
}

/// Renders ledger entries for people (a table), for programs (JSON lines) or for spreadsheets (CSV).
enum RecordTable {
    static let columns = ["seq", "time", "decision", "reason", "caller", "partner", "purpose", "legal_basis", "categories"]

    static func row(_ entry: LedgerEntry) -> [String] {
        let document = entry.document
        func text(_ name: String) -> String {
            switch document?[name] {
            case .string(let value)?: value
            case .number(let number)?: number.text
            default: ""
            }
        }
        var categories: [String] = []
        if case .array(let disclosed)? = document?["disclosed"] {
            for field in disclosed {
                if let category = field["category"]?.stringValue, !categories.contains(category) { categories.append(category) }
            }
        }
        return columns.dropLast().map(text) + [categories.joined(separator: " ")]
    }

    /// In a store of several logs (PostgreSQL) every row starts with its log's origin; JSON lines stay the records
    /// byte for byte.
    static func render(_ entries: [LedgerEntry], format: AuditCommand.Format) -> String {
        let origins = entries.contains { !$0.origin.isEmpty }
        let header = (origins ? ["origin"] : []) + columns
        let rows = [header] + entries.map { (origins ? [$0.origin] : []) + row($0) }
        switch format {
        case .jsonl:
            // Each line a record byte for byte, as the tree holds it; a version 2 decision's shape entry comes once,
            // on the line before the first record that names it.
            var lines: [String] = []
            var shapes: Set<[UInt8]> = []
            for entry in entries {
                if let shape = entry.shape?.encoded, shapes.insert(shape).inserted { lines.append(String(decoding: shape, as: UTF8.self)) }
                lines.append(String(decoding: entry.encoded, as: UTF8.self))
            }
            return lines.joined(separator: "\n")
        case .csv:
            return rows.map(CSV.row).joined(separator: "\n")
        case .table:
            var widths = header.map(\.count)
            for row in rows { for (index, field) in row.enumerated() { widths[index] = max(widths[index], field.count) } }
            let lines = rows.map { row in
                row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            return lines.joined(separator: "\n") + "\n(\(entries.count) record(s))"
        }
    }
}

extension AuditCommand {
    /// Writes a receipt or a proof to `out`, or to standard output.
    static func emit(_ text: String, to out: String?) throws {
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: "")
        }
    }
}
