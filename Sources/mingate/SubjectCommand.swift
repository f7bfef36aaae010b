import ArgumentParser
import AsyncHTTPClient
import NIOCore
import Crypto
import Foundation
import MingateLedger
import MingatePolicy

/// The subject key as the gateway computes it, from the ledger key in the environment.
enum SubjectKey {
    static func of(_ subject: String, env: String) throws -> String {
        guard let key = ProcessInfo.processInfo.environment[env], !key.isEmpty else { throw CommandFailure("set \(env) to the gateway's ledger key") }
        return KeyedDigests.subjectKey(subject, ledgerKey: SymmetricKey(data: Data(key.utf8)))
    }
}

struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject", abstract: "Data-subject rights: who received my data, erase it everywhere.",
        subcommands: [Report.self, Erase.self])

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The access report: every disclosure of one person's data, their consents, erasure status (HTML or JSON).")
        @OptionGroup var ledger: AuditCommand.LedgerOption
        @Argument(help: "The data subject's id as callers send it (X-Mingate-Subject).") var id: String
        @Option(help: "html or json.") var format: String = "html"
        @Option(help: "Environment variable holding the ledger key.") var ledgerKeyEnv = "MINGATE_LEDGER_KEY"

        func run() throws {
            let subjectKey = try SubjectKey.of(id, env: ledgerKeyEnv)
            let url = try LedgerURL(ledger.ledger)
            let entries = try ledger.open().query(LedgerFilter(subjectKey: subjectKey), after: -1, limit: 1_000_000)
            let records = try url.openConsents()
            let report = SubjectReport(
                subjectKey: subjectKey, entries: entries, consents: try records.history(subjectKey: subjectKey),
                erasures: try records.currentErasures(subjectKey: subjectKey))
            switch format {
            case "html": print(report.html, terminator: "")
            case "json": print(JSONWriter().string(report.json))
            default: throw CommandFailure("format is html or json")
            }
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell every recipient of a person's data to erase it, through the running gateway's admin API.",
            discussion: "Partners with an erasure endpoint are called (and recorded); partners with a contact are listed as notices to send.")
        @Argument(help: "The data subject's id.") var id: String
        @Option(help: "The gateway's base URL.") var gateway: String = "http://127.0.0.1:8080"
        @Option(help: "Environment variable holding the admin token.") var adminTokenEnv = "MINGATE_ADMIN_TOKEN"

        func run() async throws {
            guard let token = ProcessInfo.processInfo.environment[adminTokenEnv], !token.isEmpty else {
                throw CommandFailure("set \(adminTokenEnv) to the gateway's admin token")
            }
            var request = HTTPClientRequest(url: gateway + "/admin/subjects/erase")
            request.method = .POST
            request.headers.add(name: "Authorization", value: "Bearer \(token)")
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(["subject": .string(id)])))
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            let body = try await response.body.collect(upTo: 1_048_576)
            print(String(buffer: body))
            if response.status.code != 200 { throw ExitCode(1) }
        }
    }
}

struct ConsentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "Record or show a data subject's consents (in the ledger's database).",
        subcommands: [Grant.self, Withdraw.self, Show.self])

    struct Target: ParsableArguments {
        @OptionGroup var ledger: AuditCommand.LedgerOption
        @Option(help: "The data subject's id.") var subject: String
        @Option(help: "Environment variable holding the ledger key.") var ledgerKeyEnv = "MINGATE_LEDGER_KEY"
    }

    struct Change: ParsableArguments {
        @Option(help: "Partner id.") var partner: String
        @Option(help: "Purpose id.") var purpose: String
        @Option(help: "purpose, transfer or guardian.") var kind: String = "purpose"
        @Option(help: "Where the consent can be shown (a consent-screen record id…).") var evidence: String?
    }

    static func record(_ target: Target, _ change: Change, _ state: ConsentEvent.State) throws {
        guard let kind = ConsentEvent.Kind(rawValue: change.kind) else { throw CommandFailure("kind is purpose, transfer or guardian") }
        let event = ConsentEvent(
            subjectKey: try SubjectKey.of(target.subject, env: target.ledgerKeyEnv), partner: change.partner, purpose: change.purpose,
            kind: kind, state: state, at: LedgerEncoding.timestamp(Date()), evidence: change.evidence)
        try LedgerURL(target.ledger.ledger).openConsents().record(event)
        print("\(state.rawValue): \(change.partner)/\(change.purpose) (\(kind.rawValue)) at \(event.at)")
    }

    struct Grant: ParsableCommand {
        @OptionGroup var target: Target
        @OptionGroup var change: Change
        func run() throws { try ConsentCommand.record(target, change, .granted) }
    }

    struct Withdraw: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Takes effect for the very next request.")
        @OptionGroup var target: Target
        @OptionGroup var change: Change
        func run() throws { try ConsentCommand.record(target, change, .withdrawn) }
    }

    struct Show: ParsableCommand {
        @OptionGroup var target: Target
        func run() throws {
            let key = try SubjectKey.of(target.subject, env: target.ledgerKeyEnv)
            for event in try LedgerURL(target.ledger.ledger).openConsents().history(subjectKey: key) {
                print("\(event.at)  \(event.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(event.partner)/\(event.purpose) (\(event.kind.rawValue))\(event.evidence.map { "  evidence: \($0)" } ?? "")")
            }
        }
    }
}
