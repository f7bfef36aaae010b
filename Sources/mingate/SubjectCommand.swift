import ArgumentParser
import AsyncHTTPClient
import Foundation
import MingateLedger
import MingatePolicy
import NIOCore

struct SubjectCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "subject", abstract: "Data-subject rights: who received my data, erase it everywhere.",
        subcommands: [Report.self, Erase.self, NoticeSent.self])

    struct Report: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The access report: who received one person's data, why, on what basis, their consents and erasure status.",
            discussion: "HTML (for the person) or JSON (for systems), in Indonesian or English, from one model.")
        @OptionGroup var ledger: LedgerOption
        @OptionGroup var folders: PolicyCommand.Folders
        @Argument(help: "The data subject's id as callers send it (X-Mingate-Subject).") var id: String
        @Option(help: "html or json.") var format: String = "html"
        @Option(help: "id (Bahasa Indonesia) or en (English).") var language: String = "id"
        @Option(help: "The request's reference (the ticket the person's request came in on).") var reference: String?
        @Option(help: "Environment variable holding the ledger key.") var ledgerKeyEnv = "MINGATE_LEDGER_KEY"

        func run() throws {
            guard let language = AccessReport.Language(rawValue: language) else { throw CommandFailure("language is id or en") }
            guard ["html", "json"].contains(format) else { throw CommandFailure("format is html or json") }
            let policy = try folders.compile()
            let subjectKey = try ledger.subjectKey(of: id, keyEnv: ledgerKeyEnv)
            let store = try ledger.open()
            let report: AccessReport
            do throws(LedgerError) {
                report = AccessReport(
                    subjectKey: subjectKey, reference: reference,
                    entries: try store.query(LedgerFilter(subjectKey: subjectKey), after: .start, limit: 1_000_000),
                    consents: try store.consentHistory(subjectKey: subjectKey), erasures: try store.currentErasures(subjectKey: subjectKey),
                    policy: policy, language: language)
            } catch {
                throw CommandFailure(error.description)
            }
            print(format == "html" ? report.html : JSONWriter().string(report.json), terminator: format == "html" ? "" : "\n")
        }
    }

    struct Erase: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Tell every recipient of a person's data to erase it, through the running gateway's admin API.",
            discussion: "Partners with an erasure endpoint are called (and recorded); partners with a contact are listed as notices to send.")
        @Argument(help: "The data subject's id.") var id: String
        @OptionGroup var admin: AdminAPI
        @Flag(help: "Print the gateway's JSON answer instead of a summary.") var json = false

        func run() async throws {
            let answer = try await admin.post("/admin/subjects/erase", ["subject": .string(id)])
            if json { return print(JSONWriter().string(answer)) }
            print("erasure \(answer["erasure_id"]?.stringValue ?? "?")")
            guard case .array(let partners)? = answer["partners"], !partners.isEmpty else {
                return print("  no partner received this person's data: nothing to erase")
            }
            for partner in partners {
                let state = partner["status"]?.stringValue ?? "?"
                print("  \(partner["partner"]?.stringValue ?? "?")  \(state)  \(partner["channel"]?.stringValue ?? "")\(partner["detail"]?.stringValue.map { "  (\($0))" } ?? "")")
            }
            if partners.contains(where: { $0["status"]?.stringValue == "notice_pending" }) {
                print("Send each pending notice, then: mingate subject notice-sent \(id) --erasure ID --partner P --by WHO --via HOW")
            }
        }
    }

    struct NoticeSent: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "notice-sent",
            abstract: "Record that an erasure notice was sent to a partner that has only a contact (who sent it, how, when).")
        @Argument(help: "The data subject's id.") var id: String
        @Option(help: "The erasure id (from `subject erase`).") var erasure: String
        @Option(help: "The partner the notice went to.") var partner: String
        @Option(help: "Who sent it (a name or role, e.g. the DPO's office).") var by: String
        @Option(help: "How it was sent (e-mail to the partner's contact, registered letter…).") var via: String
        @Option(help: "When it was sent, RFC 3339 UTC (default: now).") var at: String?
        @OptionGroup var admin: AdminAPI

        func run() async throws {
            var members: [(String, JSONValue)] = [
                ("subject", .string(id)), ("erasure_id", .string(erasure)), ("partner", .string(partner)), ("by", .string(by)),
                ("via", .string(via)),
            ]
            if let at { members.append(("at", .string(at))) }
            let answer = try await admin.post("/admin/subjects/notice-sent", .object(JSONObject(members)))
            print("notice_sent: \(partner) for \(erasure) at \(answer["at"]?.stringValue ?? "?")")
        }
    }
}

/// The running gateway's admin API, for commands that must go through it (so what they do is recorded by the
/// gateway, with the gateway's key).
struct AdminAPI: ParsableArguments {
    @Option(help: "The gateway's base URL.") var gateway: String = "http://127.0.0.1:8080"
    @Option(help: "Environment variable holding the admin token.") var adminTokenEnv = "MINGATE_ADMIN_TOKEN"

    /// POSTs a JSON body; the answer's JSON on 200, a clear failure otherwise.
    func post(_ path: String, _ body: JSONValue) async throws -> JSONValue {
        guard let token = ProcessInfo.processInfo.environment[adminTokenEnv], !token.isEmpty else {
            throw CommandFailure("set \(adminTokenEnv) to the gateway's admin token (start the gateway with the same variable set)")
        }
        var request = HTTPClientRequest(url: gateway + path)
        request.method = .POST
        request.headers.add(name: "Authorization", value: "Bearer \(token)")
        request.headers.add(name: "Content-Type", value: "application/json")
        request.body = .bytes(ByteBuffer(bytes: JSONWriter().bytes(body)))
        let status: UInt
        let bytes: ByteBuffer
        do {
            let response = try await HTTPClient.shared.execute(request, timeout: .seconds(120))
            status = response.status.code
            bytes = try await response.body.collect(upTo: 4_194_304)
        } catch {
            throw CommandFailure("cannot reach the gateway at \(gateway) (\(String(describing: error).prefix(120))); is it running? (--gateway URL)")
        }
        let answer = try? JSONParser().parse(Array(bytes.readableBytesView))
        guard status == 200, let answer else {
            if status == 404, answer?["error"]?["code"]?.stringValue == "not_found" {
                throw CommandFailure("the gateway's admin API is off: start it with \(adminTokenEnv) set")
            }
            let code = answer?["error"]?["code"]?.stringValue ?? "http_\(status)"
            let message = answer?["error"]?["message"]?.stringValue ?? String(buffer: bytes)
            throw CommandFailure("\(code): \(message)")
        }
        return answer
    }
}

struct ConsentCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consent", abstract: "Record or show a data subject's consents (entries of the ledger).",
        discussion: """
            `grant` and `withdraw` go through the running gateway's admin API (the gateway appends the entry, checks \
            partner, purpose and kind against the policy in force, and keeps the evidence as a reference or a keyed \
            digest); `show` reads the ledger.
            """,
        subcommands: [Grant.self, Withdraw.self, Show.self])

    struct Change: ParsableArguments {
        @Option(help: "The data subject's id.") var subject: String
        @Option(help: "Partner id.") var partner: String
        @Option(help: "Purpose id.") var purpose: String
        @Option(help: "purpose, transfer or guardian.") var kind: String = "purpose"
        @Option(help: "Where the consent can be shown (a consent-screen record id, a signed form); required.") var evidence: String
        @OptionGroup var admin: AdminAPI

        func record(_ state: ConsentEvent.State) async throws {
            let answer = try await admin.post(
                "/admin/consents",
                .object(JSONObject([
                    ("subject", .string(subject)), ("partner", .string(partner)), ("purpose", .string(purpose)),
                    ("kind", .string(kind)), ("state", .string(state.rawValue)), ("evidence", .string(evidence)),
                ])))
            let kept = answer["evidence"]?.stringValue.map { $0 == evidence ? "" : "  (evidence kept as \($0))" } ?? ""
            print("\(state.rawValue): \(partner)/\(purpose) (\(kind)) at \(answer["at"]?.stringValue ?? "?")\(kept)")
        }
    }

    struct Grant: AsyncParsableCommand {
        @OptionGroup var change: Change
        func run() async throws { try await change.record(.granted) }
    }

    struct Withdraw: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Takes effect for the very next request.")
        @OptionGroup var change: Change
        func run() async throws { try await change.record(.withdrawn) }
    }

    struct Show: ParsableCommand {
        @OptionGroup var ledger: LedgerOption
        @Option(help: "The data subject's id.") var subject: String
        @Option(help: "Environment variable holding the ledger key.") var ledgerKeyEnv = "MINGATE_LEDGER_KEY"

        func run() throws {
            let key = try ledger.subjectKey(of: subject, keyEnv: ledgerKeyEnv)
            let store = try ledger.open()
            let history: [ConsentEvent]
            do throws(LedgerError) { history = try store.consentHistory(subjectKey: key) } catch { throw CommandFailure(error.description) }
            if history.isEmpty { print("no consent recorded for this subject") }
            for event in history {
                print("\(event.at)  \(event.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0))  \(event.partner)/\(event.purpose) (\(event.kind.rawValue))\(event.evidence.map { "  evidence: \($0)" } ?? "")")
            }
        }
    }
}
