import ArgumentParser
import Foundation
import MingateGateway
import MingatePolicy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check, test, explain and compare partner policies.",
        subcommands: [Lint.self, Test.self, Explain.self, Diff.self])

    struct Folders: ParsableArguments {
        @Option(help: "Folder of partner files.") var partners: String = "partners"
        @Option(help: "Folder of cross-partner policy files.") var policies: String = "policies"

        func source() throws -> PolicySource {
            do {
                return try PolicyFiles.read(partners: partners, policies: policies)
            } catch {
                throw CommandFailure(error.description)
            }
        }

        func compile() throws -> PolicySet {
            do {
                return try PolicyCompiler().compile(try source())
            } catch let error as PolicyLoadError {
                throw CommandFailure(error.description)
            }
        }
    }

    struct Lint: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Check everything the server would refuse, and more. Exit 0 clean, 1 errors, 2 warnings with --strict.")
        @OptionGroup var folders: Folders
        @Flag(help: "Secrets that do not resolve here are errors (for a deployment check).") var requireSecrets = false
        @Flag(help: "Warnings fail too.") var strict = false

        func run() throws {
            let environment = ProcessInfo.processInfo.environment
            let linter = PolicyLinter(
                secretExists: { reference in
                    switch reference {
                    case .environment(let name): environment[name].map { !$0.isEmpty } ?? false
                    case .file(let path): FileManager.default.isReadableFile(atPath: path)
                    }
                }, secretsRequired: requireSecrets)
            let result = linter.lint(try folders.source())
            for problem in result.problems { print(problem) }
            print("\(result.errors.count) error(s), \(result.warnings.count) warning(s)")
            if !result.errors.isEmpty { throw ExitCode(1) }
            if strict && !result.warnings.isEmpty { throw ExitCode(2) }
        }
    }

    struct Test: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the fixtures in partners/<id>/tests/: an incoming request and the exact outgoing one.")
        @OptionGroup var folders: Folders
        @Argument(help: "Only these partners (default: all).") var only: [String] = []

        func run() throws {
            let outcomes = try FixtureFiles.run(partners: folders.partners, policy: try folders.compile(), only: only)
            var failed = 0
            for outcome in outcomes {
                if outcome.passed {
                    print("ok   \(outcome.fixture.file): \(outcome.fixture.name)")
                } else {
                    failed += 1
                    print("FAIL \(outcome.fixture.file): \(outcome.fixture.name)")
                    for difference in outcome.differences { print("       \(difference)") }
                }
            }
            print("\(outcomes.count - failed) passed, \(failed) failed")
            if failed > 0 || outcomes.isEmpty { throw ExitCode(1) }
        }
    }

    struct Explain: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Dry run: what a request would send to a partner, what is kept, transformed, dropped, or why it is refused.",
            discussion: """
                Nothing is sent and nothing is recorded. The body comes from REQUEST (a file) or standard input. \
                With --hook instead of --purpose: what a partner's hook would deliver to the internal service (its \
                signature is not checked in a dry run; `policy test` fixtures check it).
                """)
        @OptionGroup var folders: Folders
        @Option(help: "Partner id.") var partner: String
        @Option(help: "Purpose id.") var purpose: String?
        @Option(help: "A hook id of the partner, instead of a purpose.") var hook: String?
        @Option(help: "Method (default: the purpose's first route's).") var method: String?
        @Option(help: "The partner path, e.g. /v2/charge (default: the first route's, with {params} as 'x').") var path: String?
        @Option(help: "Content-Type of the body.") var contentType: String = "application/json"
        @Option(name: .customLong("header"), help: "A header 'Name: value' (repeatable).") var headers: [String] = []
        @Option(help: "Decide as this caller (default: any caller allowed for the purpose).") var caller: String?
        @Argument(help: "A file with the request body; standard input when omitted.") var request: String?

        func run() throws {
            let policy = try folders.compile()
            let body: [UInt8]
            if let request {
                guard let data = FileManager.default.contents(atPath: request) else { throw CommandFailure("cannot read '\(request)'") }
                body = Array(data)
            } else if isatty(0) == 0 {
                body = Array(FileHandle.standardInput.readDataToEndOfFile())
            } else {
                body = []
            }
            // The headers as given, and the body's Content-Type.
            var headerPairs: [(name: String, value: String)] = headers.compactMap {
                let parts = $0.split(separator: ":", maxSplits: 1)
                return parts.count == 2 ? (String(parts[0]), parts[1].trimmingCharacters(in: .whitespaces)) : nil
            }
            if !body.isEmpty { headerPairs.append(("Content-Type", contentType)) }
            if let hook {
                guard purpose == nil else { throw CommandFailure("give --purpose or --hook, not both") }
                return try explain(hook: hook, policy: policy, headers: headerPairs, body: body)
            }
            guard let purpose else { throw CommandFailure("give --purpose (a call to the partner) or --hook (a call from it)") }
            guard let partnerPolicy = policy.partners[partner], let purposePolicy = partnerPolicy.purposes[purpose] else {
                throw CommandFailure("no purpose \(partner)/\(purpose)")
            }
            let route = purposePolicy.routes[0]
            let partnerPath = path ?? route.segments.map {
                switch $0 {
                case .literal(let text): text
                case .parameter: "x"
                }
            }.reduce("") { $0 + "/" + $1 }
            let callerID = caller ?? policy.callers.first { $0.mayUse(partner: partner, purpose: purpose) }?.id ?? "nobody"
            let runner = FixtureRunner(policy: policy)
            let enforcer = runner.enforcer
            let inbound = InboundRequest(
                method: method ?? route.method, target: "/p/\(partner)/\(purpose)\(partnerPath)", headers: headerPairs, body: body)
            // The gateway's own steps, after identity: the caller is named, not authenticated, in a dry run.
            let resolved = policy.callers.first { $0.id == callerID }
            var consentNeeds: [ConsentNeed] = []
            let decision: Decision
            do throws(Refusal) {
                guard let resolved else { throw Refusal(.unauthenticated, "no caller '\(callerID)' in policies/callers.yaml") }
                let placement = try enforcer.place(method: inbound.method, target: inbound.target)
                let permit = try enforcer.permit(placement, caller: resolved, headers: inbound.headers)
                let verdict = try enforcer.minimise(permit, inbound, requestID: "explain")
                consentNeeds = verdict.consentNeeds
                decision = verdict.decision(missingConsent: nil)
            } catch {
                decision = enforcer.refused(
                    error, requestID: "explain", method: inbound.method, target: inbound.target, caller: resolved, permit: nil)
            }
            let disclosure = decision.disclosure
            print("partner:  \(partnerPolicy.legalEntity) (\(partner), \(partnerPolicy.country))")
            print("purpose:  \(purpose), legal basis \(purposePolicy.legalBasis.rawValue)\(purposePolicy.transferBasis.map { ", transfer basis \($0.rawValue)" } ?? "")")
            print("caller:   \(callerID)")
            switch decision {
            case .refuse(let refusal, _):
                print("decision: REFUSED \(refusal.httpStatus) \(refusal.code.rawValue): \(refusal.message)")
            case .forward(let outbound, _):
                print("decision: FORWARD \(outbound.method) \(outbound.url)")
                if !consentNeeds.isEmpty {
                    print("needs:    consent in the store (\(consentNeeds.map(\.rawValue).joined(separator: ", "))); assumed granted here")
                }
                print("\nkept:")
                for field in disclosure.disclosed {
                    let sensitive = policy.categories[field.category]?.sensitive == true ? " SENSITIVE" : ""
                    print("  \(field.path)  [\(field.category)\(sensitive)]  \(field.transform == "keep" ? "as is" : "transformed: " + field.transform)")
                }
                print("\ndropped:")
                for path in disclosure.withheld { print("  \(path)") }
                print("\nwould send:")
                for header in outbound.headers {
                    let shown = header.name.lowercased() == partnerPolicy.credentials?.header.lowercased() ? "<the partner's credentials>" : header.value
                    print("  \(header.name): \(shown)")
                }
                if !outbound.body.isEmpty { print("\n" + String(decoding: outbound.body, as: UTF8.self)) }
                print("\nthe partner's answer:")
                if let response = purposePolicy.response {
                    print("  cut to its allowlist before the caller sees it; the rest is withheld")
                    for rule in response.json { print("  \(rule.query.text)  [\(rule.category)]  \(rule.transform == .keep ? "as is" : "transformed: \(rule.transform)")") }
                    for rule in response.headers { print("  response-header:\(rule.name)  [\(rule.category)]  \(rule.transform == .keep ? "as is" : "transformed: \(rule.transform)")") }
                } else {
                    print("  relayed whole (no response: allowlist)")
                }
            }
            print("\n(dry run: nothing sent, nothing recorded)")
        }

        /// A partner's hook, dry: placed and minimised as the gateway would, the signature step named, not run.
        func explain(hook hookID: String, policy: PolicySet, headers headerPairs: [(name: String, value: String)], body: [UInt8]) throws {
            guard let partnerPolicy = policy.partners[partner], let hook = partnerPolicy.hooks[hookID] else {
                throw CommandFailure("no hook \(partner)/\(hookID)")
            }
            let enforcer = FixtureRunner(policy: policy).enforcer
            let target = "\(Enforcer.hookPrefix)\(partner)/\(hookID)"
            let decision: Decision
            do throws(Refusal) {
                let placement = try enforcer.placeHook(target: target)
                decision = try enforcer.receive(
                    placement, InboundRequest(method: "POST", target: target, headers: headerPairs, body: body), requestID: "explain")
            } catch {
                decision = enforcer.refused(error, requestID: "explain", method: "POST", target: target, caller: nil, permit: nil)
            }
            let verification = hook.verification
            print("from:     \(partnerPolicy.legalEntity) (\(partner), \(partnerPolicy.country)), POST \(target)")
            print("hook:     \(hookID), legal basis \(hook.legalBasis.rawValue)")
            print("proof:    \(verification.scheme.rawValue)\(verification.header.map { " in \($0)" } ?? "") with \(verification.secret), window \(verification.windowSeconds) s (not checked in a dry run)")
            print("subject:  \(hook.subject.map { "named at \($0.text)" } ?? "not named by the partner's message")")
            print("to:       \(hook.deliverTo)")
            switch decision {
            case .refuse(let refusal, _):
                print("decision: REFUSED \(refusal.httpStatus) \(refusal.code.rawValue): \(refusal.message)")
            case .forward(let outbound, let disclosure):
                print("decision: DELIVER POST \(outbound.url)")
                print("\nkept:")
                for field in disclosure.disclosed {
                    print("  \(field.path)  [\(field.category)]  \(field.transform == "keep" ? "as is" : "transformed: " + field.transform)")
                }
                print("\ndropped:")
                for path in disclosure.withheld { print("  \(path)") }
                print("\nwould deliver:")
                for header in outbound.headers { print("  \(header.name): \(header.value)") }
                if !outbound.body.isEmpty { print("\n" + String(decoding: outbound.body, as: UTF8.self)) }
                print("\nthe partner's answer: {\"status\":\"delivered\"} once the service takes it (its answer is never relayed)")
            }
            print("\n(dry run: nothing sent, nothing recorded)")
        }
    }

    struct Diff: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "What a change starts or stops disclosing. Exit 0: disclosure does not grow; 1: it grows.",
            discussion: """
                OLD and NEW are folders holding partners/ and policies/, or git revisions of this repository \
                (e.g. `mingate policy diff origin/main HEAD`).
                """)
        @Argument(help: "The policies before.") var old: String
        @Argument(help: "The policies after.") var new: String
        @Flag(help: "Markdown, for a pull-request comment.") var markdown = false

        func run() throws {
            let before = try PolicySnapshot.load(old)
            let after = try PolicySnapshot.load(new)
            let diff = PolicyDiff(old: before, new: after)
            print(markdown ? diff.markdown : diff.text, terminator: "")
            if diff.grows { throw ExitCode(1) }
        }
    }
}

/// Loads the policies of a folder or of a git revision.
enum PolicySnapshot {
    static func load(_ location: String) throws -> PolicySet {
        var isDirectory: ObjCBool = false
        var root = location
        if !(FileManager.default.fileExists(atPath: location, isDirectory: &isDirectory) && isDirectory.boolValue) {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("mingate-diff-\(UUID().uuidString)").path
            try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            let archive = Process()
            archive.executableURL = URL(fileURLWithPath: "/bin/sh")
            archive.arguments = ["-c", "git archive --format=tar \"$0\" partners policies | tar -x -C \"$1\"", location, root]
            try archive.run()
            archive.waitUntilExit()
            guard archive.terminationStatus == 0 else { throw CommandFailure("'\(location)' is neither a folder nor a git revision with partners/ and policies/") }
        }
        do {
            return try PolicyCompiler().compile(
                try PolicyFiles.read(partners: root + "/partners", policies: root + "/policies"))
        } catch let error as PolicyLoadError {
            throw CommandFailure("\(location): \(error.description)")
        } catch let error as GatewayError {
            throw CommandFailure("\(location): \(error.description)")
        }
    }
}

/// Finds and runs fixture files.
enum FixtureFiles {
    static func run(partners: String, policy: PolicySet, only: [String]) throws -> [FixtureRunner.Outcome] {
        let runner = FixtureRunner(policy: policy)
        var outcomes: [FixtureRunner.Outcome] = []
        for partner in policy.partners.keys.sorted() where only.isEmpty || only.contains(partner) {
            let folder = "\(partners)/\(partner)/tests"
            let files = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasSuffix(".yaml") }.sorted()
            for file in files {
                let path = "\(folder)/\(file)"
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { throw CommandFailure("cannot read \(path)") }
                do {
                    outcomes.append(runner.run(try PolicyFixture(file: path, text: text)))
                } catch {
                    throw CommandFailure(error.description)
                }
            }
        }
        return outcomes
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report", abstract: "Documents generated from the enforced policies.", subcommands: [Processing.self])

    struct Processing: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The record of processing activities (GDPR Art. 30, UU PDP Pasal 31) for disclosures to partners.")
        @OptionGroup var folders: PolicyCommand.Folders
        @Option(help: "markdown or csv.") var format: String = "markdown"

        func run() throws {
            let record = ProcessingRecord(try folders.compile())
            switch format {
            case "markdown": print(record.markdown, terminator: "")
            case "csv": print(record.csv, terminator: "")
            default: throw CommandFailure("format is markdown or csv")
            }
        }
    }
}
