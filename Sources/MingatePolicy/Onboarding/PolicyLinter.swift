import Foundation
import Yams

/// Checks policy files for everything the server would refuse, and more: overlapping and unreachable rules,
/// purposes no caller may use, secret references that do not resolve here.
public struct PolicyLinter: Sendable {
    /// Decides whether a secret reference resolves (the edge passes one that looks at the environment and disk).
    public var secretExists: @Sendable (SecretReference) -> Bool
    /// Whether a secret that does not resolve is an error (for a deployment check) or a warning (for review).
    public var secretsRequired: Bool

    public init(secretExists: @escaping @Sendable (SecretReference) -> Bool = { _ in true }, secretsRequired: Bool = false) {
        self.secretExists = secretExists
        self.secretsRequired = secretsRequired
    }

    public struct Result: Sendable {
        public let problems: [PolicyProblem]
        public let policy: PolicySet?
        public var errors: [PolicyProblem] { problems.filter { $0.severity == .error } }
        public var warnings: [PolicyProblem] { problems.filter { $0.severity == .warning } }
    }

    /// A `TODO` left in a policy file (a scaffold's placeholder, a reviewer's note) is an error: a file with one was
    /// not finished, and placeholders like `legal_entity: TODO …` would otherwise load and look complete.
    static func placeholders(_ source: PolicySource) -> [PolicyProblem] {
        var problems: [PolicyProblem] = []
        for file in (source.policyFiles + source.partnerFiles).sorted(by: { $0.path < $1.path }) {
            for (offset, line) in file.text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where line.contains("TODO") {
                problems.append(
                    PolicyProblem(
                        .error, file: file.path, line: offset + 1, place: "",
                        message: "unfinished: '\(line.trimmingCharacters(in: .whitespaces).prefix(80))' (replace every TODO)"))
            }
        }
        return problems
    }

    public func lint(_ source: PolicySource) -> Result {
        let placeholders = Self.placeholders(source)
        let policy: PolicySet
        do {
            policy = try PolicyCompiler().compile(source)
        } catch {
            return Result(problems: Self.sorted(error.problems + placeholders), policy: nil)
        }
        var problems = policy.warnings + placeholders
        for category in policy.categories.values.sorted(by: { $0.id < $1.id }) where category.descriptionID == nil {
            problems.append(
                PolicyProblem(
                    .warning, file: "policies/categories.yaml", line: nil, place: "categories.\(category.id)",
                    message: "no description_id: the Indonesian access report shows the English description"))
        }
        let nodes = Dictionary(
            source.partnerFiles.compactMap { file in (try? Yams.compose(yaml: file.text)).flatMap { $0 }.map { (file.path, $0) } },
            uniquingKeysWith: { a, _ in a })
        func problem(_ severity: PolicyProblem.Severity, _ file: String, _ place: String, _ message: String) {
            problems.append(PolicyProblem(severity, file: file, line: nodes[file]?.line(at: place), place: place, message: message))
        }

        for partner in policy.partners.values.sorted(by: { $0.id < $1.id }) {
            let file = source.partnerFiles.first { ($0.path as NSString).lastPathComponent == "\(partner.id).yaml" }?.path ?? "partners/\(partner.id).yaml"
            if let credentials = partner.credentials, !secretExists(credentials.secret) {
                problem(secretsRequired ? .error : .warning, file, "credentials.secret", "secret \(credentials.secret) is not set here")
            }
            for purpose in partner.purposes.values.sorted(by: { $0.id < $1.id }) {
                let place = "purposes.\(purpose.id)"
                if purpose.descriptionID == nil {
                    problem(.warning, file, place, "no description_id: the Indonesian access report shows the English description")
                }
                if !policy.callers.contains(where: { $0.mayUse(partner: partner.id, purpose: purpose.id) }) {
                    problem(.warning, file, place, "no caller may use \(partner.id)/\(purpose.id) (policies/callers.yaml): unreachable")
                }
                var seenRoutes: Set<String> = []
                for (offset, route) in purpose.routes.enumerated() where !seenRoutes.insert(route.description).inserted {
                    problem(.warning, file, "\(place).routes[\(offset)]", "route \(route) is listed twice")
                }
                if purpose.response == nil {
                    problem(.warning, file, place, "no response: allowlist: the partner's answer goes back to the caller whole")
                }
                if !purpose.body.acceptsNoBody, purpose.routes.allSatisfy({ $0.method == "GET" || $0.method == "DELETE" }) {
                    problem(.warning, file, "\(place).body", "a body allowlist, but every route is GET or DELETE: unreachable")
                }
            }
            for hook in partner.hooks.values.sorted(by: { $0.id < $1.id }) {
                let place = "hooks.\(hook.id)"
                if !secretExists(hook.verification.secret) {
                    problem(secretsRequired ? .error : .warning, file, place + ".verify.secret", "secret \(hook.verification.secret) is not set here")
                }
                if hook.descriptionID == nil {
                    problem(.warning, file, place, "no description_id: the Indonesian access report shows the English description")
                }
            }
        }
        for reference in [policy.pseudonymKey, policy.ledgerKey] where !secretExists(reference) {
            problem(secretsRequired ? .error : .warning, "policies/gateway.yaml", "keys", "secret \(reference) is not set here")
        }
        return Result(problems: Self.sorted(problems), policy: problems.contains { $0.severity == .error } ? nil : policy)
    }

    static func sorted(_ problems: [PolicyProblem]) -> [PolicyProblem] {
        problems.sorted { ($0.file, $0.line ?? 0, $0.message) < ($1.file, $1.line ?? 0, $1.message) }
    }
}
