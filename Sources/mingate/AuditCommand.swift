import ArgumentParser
import Foundation
import MingateLedger
import MingatePolicy

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Verify and read the disclosure ledger.",
        subcommands: [Verify.self, Query.self, Subject.self, Proof.self, VerifyProof.self])

    struct Verify: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Recompute the tree from the stored records and check every checkpoint.",
            discussion: "Exits 0 when the ledger verifies, 1 when it does not (naming the first bad record).")

        @OptionGroup var ledger: LedgerOption
        @Option(help: "The log's verifier key file (PREFIX.pub from `mingate ledger keygen`).") var key: String

        func run() throws {
            let verifier = try KeyFiles.verifier(key)
            let store = try ledger.open()
            let report = try LedgerAuditor(verifier: verifier).verify(store) { count in
                if count % 100_000 == 0 && count > 0 { FileHandle.standardError.write(Data("… \(count) records\n".utf8)) }
            }
            print("records: \(report.entries)")
            print("checkpoints: \(report.checkpoints)")
            if let latest = report.latest {
                print("latest verified checkpoint: size \(latest.size), root \(Data(latest.root).base64EncodedString()), origin \(latest.origin)")
            }
            if report.entries > report.verifiedSize {
                print("not yet covered by a checkpoint: records \(report.verifiedSize)…\(report.entries - 1)")
            }
            if report.isValid {
                print("OK: every record matches its hash and every checkpoint")
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
                decision: filters.decision, since: filters.since, until: filters.until)
            filter.kind = inbound ? .inbound : .disclosure
            let entries = try ledger.open().query(filter, after: -1, limit: limit)
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
            let entries = try ledger.open().query(LedgerFilter(subjectKey: subjectKey), after: -1, limit: 1_000_000)
            if format == .table { print("subject key: \(subjectKey)\n") }
            print(RecordTable.render(entries, format: format))
        }
    }

    struct Proof: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write an offline receipt for one record: the record, its inclusion proof and a signed checkpoint.")
        @OptionGroup var ledger: LedgerOption
        @Argument(help: "The record's sequence number.") var sequence: Int64
        @Option(help: "Write to this file instead of standard output.") var out: String?

        func run() throws {
            let receipt: InclusionReceipt
            do {
                receipt = try InclusionReceipt.make(for: sequence, from: try ledger.open())
            } catch let error as LedgerError {
                throw CommandFailure(error.message)
            }
            if let out {
                try receipt.text.write(toFile: out, atomically: true, encoding: .utf8)
            } else {
                print(receipt.text, terminator: "")
            }
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

    static func render(_ entries: [LedgerEntry], format: AuditCommand.Format) -> String {
        switch format {
        case .jsonl:
            return entries.map { String(decoding: $0.encoded, as: UTF8.self) }.joined(separator: "\n")
        case .csv:
            return ([columns] + entries.map(row)).map(CSV.row).joined(separator: "\n")
        case .table:
            let rows = [columns] + entries.map(row)
            var widths = columns.map(\.count)
            for row in rows { for (index, field) in row.enumerated() { widths[index] = max(widths[index], field.count) } }
            let lines = rows.map { row in
                row.enumerated().map { $0.element.padding(toLength: widths[$0.offset], withPad: " ", startingAt: 0) }
                    .joined(separator: "  ").trimmingCharacters(in: .whitespaces)
            }
            return lines.joined(separator: "\n") + "\n(\(entries.count) record(s))"
        }
    }
}
