import Crypto
import Foundation
import Yams

/// Turns policy files into a `PolicySet`, or fails listing every problem with its file and line.
///
/// This is the one place where the file format meets the model: the raw structs are decoded here, checked
/// here, and converted here. Lint (`mingate policy lint`) and the server use the same checks.
public struct PolicyCompiler: Sendable {
    public init() {}

    public func compile(_ source: PolicySource) throws(PolicyLoadError) -> PolicySet {
        var context = Context()
        let files = (source.policyFiles + source.partnerFiles).sorted { $0.path < $1.path }

        // policies/
        var gateway = RawGatewayPolicy()
        var categories: [String: DataCategory] = [:]
        var rawCallers: [(RawCallers, Node, String)] = []
        var auditors: [Auditor] = []
        for file in source.policyFiles {
            let name = (file.path as NSString).lastPathComponent
            switch name {
            case "gateway.yaml":
                if let (raw, _) = context.decode(RawGatewayPolicy.self, schema: RawGatewayPolicy.schema, file) {
                    gateway = raw
                }
            case "categories.yaml":
                if let (raw, _) = context.decode(RawCategories.self, schema: RawCategories.schema, file) {
                    for (id, category) in raw.categories {
                        categories[id] = DataCategory(
                            id: id, description: category.description ?? "", descriptionID: category.description_id,
                            sensitive: category.sensitive ?? false,
                            personal: category.personal ?? true)
                    }
                }
            case "callers.yaml":
                if let (raw, node) = context.decode(RawCallers.self, schema: RawCallers.schema, file) {
                    rawCallers.append((raw, node, file.path))
                }
            case "auditors.yaml":
                if let (raw, node) = context.decode(RawAuditors.self, schema: RawAuditors.schema, file) {
                    for (id, auditor) in raw.auditors.sorted(by: { $0.key < $1.key }) {
                        guard let hex = auditor.token_sha256, let digest = KeyedDigests.bytes(hex: hex), digest.count == 32 else {
                            context.problem(.error, file.path, node.line(at: "auditors.\(id).token_sha256"), "auditors.\(id).token_sha256", "token_sha256 must be 64 hex digits")
                            continue
                        }
                        auditors.append(Auditor(id: id, tokenDigest: digest))
                    }
                }
            default:
                context.problem(.warning, file.path, nil, "", "unknown policy file; expected gateway.yaml, categories.yaml, callers.yaml or auditors.yaml")
            }
        }
        for required in ["gateway.yaml", "categories.yaml", "callers.yaml"]
        where !source.policyFiles.contains(where: { ($0.path as NSString).lastPathComponent == required }) {
            context.problem(.error, "policies/\(required)", nil, "", "missing policy file")
        }

        let homeCountry = gateway.home_country ?? "ID"
        if !Self.isCountryCode(homeCountry) {
            context.problem(.error, "policies/gateway.yaml", nil, "home_country", "'\(homeCountry)' is not an ISO 3166-1 alpha-2 code")
        }
        var controller: Controller?
        if let raw = gateway.controller {
            if let name = raw.name, !name.isEmpty {
                controller = Controller(
                    name: name, service: raw.service, address: raw.address, dpoEmail: raw.dpo_email,
                    replyWithinDays: raw.reply_within_days)
            } else {
                context.problem(.error, "policies/gateway.yaml", nil, "controller.name", "the controller needs its legal name")
            }
        } else {
            context.problem(
                .warning, "policies/gateway.yaml", nil, "controller",
                "no controller: access reports will not say who is responsible for the data or how to reach the DPO")
        }
        let deny = DenyList(words: gateway.deny ?? [])
        if (gateway.deny ?? []).isEmpty {
            context.problem(.warning, "policies/gateway.yaml", nil, "deny", "the global deny list is empty")
        }
        let pseudonymKey = context.secret(gateway.keys?.pseudonym ?? "env:MINGATE_PSEUDONYM_KEY", "policies/gateway.yaml", "keys.pseudonym")
        let ledgerKey = context.secret(gateway.keys?.ledger ?? "env:MINGATE_LEDGER_KEY", "policies/gateway.yaml", "keys.ledger")

        // partners/
        var partners: [String: Partner] = [:]
        var partnerFiles: [String: (path: String, node: Node)] = [:]
        for file in source.partnerFiles {
            guard let (raw, node) = context.decode(RawPartner.self, schema: RawPartner.schema, file) else { continue }
            let expectedID = ((file.path as NSString).lastPathComponent as NSString).deletingPathExtension
            var checker = PartnerChecker(
                file: file.path, node: node, categories: categories, deny: deny, homeCountry: homeCountry)
            if raw.id != expectedID {
                checker.error("id", "partner id '\(raw.id)' does not match the file name '\(expectedID)'")
            }
            if partners[raw.id] != nil { checker.error("id", "partner '\(raw.id)' is defined twice") }
            if let partner = checker.partner(raw) {
                partners[raw.id] = partner
                partnerFiles[raw.id] = (file.path, node)
            }
            context.problems += checker.problems
        }

        // Callers, now that partners are known.
        var callers: [Caller] = []
        var digests: Set<[UInt8]> = []
        for (raw, node, path) in rawCallers {
            for (id, caller) in raw.callers.sorted(by: { $0.key < $1.key }) {
                let place = "callers.\(id)"
                if id == Disclosure.erasure {
                    context.problem(.error, path, node.line(at: place), place, "'\(id)' is reserved for the gateway's own erasure requests")
                    continue
                }
                guard let hex = caller.token_sha256, let digest = KeyedDigests.bytes(hex: hex), digest.count == 32 else {
                    context.problem(.error, path, node.line(at: place + ".token_sha256"), place + ".token_sha256", "token_sha256 must be 64 hex digits (the SHA-256 of the caller's token)")
                    continue
                }
                if !digests.insert(digest).inserted {
                    context.problem(.error, path, node.line(at: place), place, "two callers share one token")
                }
                var mayUse: [String: Set<String>] = [:]
                for (partnerID, purposes) in caller.may_use ?? [:] {
                    guard let partner = partners[partnerID] else {
                        context.problem(.error, path, node.line(at: "\(place).may_use.\(partnerID)"), "\(place).may_use.\(partnerID)", "unknown partner '\(partnerID)'")
                        continue
                    }
                    for purpose in purposes where partner.purposes[purpose] == nil {
                        context.problem(.error, path, node.line(at: "\(place).may_use.\(partnerID)"), "\(place).may_use.\(partnerID)", "partner '\(partnerID)' has no purpose '\(purpose)'")
                    }
                    mayUse[partnerID] = Set(purposes)
                }
                var hooksURL: String?
                if let text = caller.hooks_url {
                    if PolicyCompiler.httpScheme(of: text) != nil {
                        hooksURL = text
                    } else {
                        context.problem(.error, path, node.line(at: place + ".hooks_url"), place + ".hooks_url", "hooks_url must be an absolute http(s) URL without a query")
                    }
                }
                callers.append(Caller(id: id, tokenDigest: digest, mayUse: mayUse, hooksURL: hooksURL))
            }
        }
        // Every hook is delivered to a service that says where it receives hooks.
        for partner in partners.values.sorted(by: { $0.id < $1.id }) {
            for hook in partner.hooks.values.sorted(by: { $0.id < $1.id }) {
                let file = partnerFiles[partner.id]?.path ?? "partners/\(partner.id).yaml"
                let place = "hooks.\(hook.id).deliver_to"
                let line = partnerFiles[partner.id]?.node.line(at: place)
                guard let service = callers.first(where: { $0.id == hook.deliverTo }) else {
                    context.problem(.error, file, line, place, "'\(hook.deliverTo)' is not a caller in callers.yaml")
                    continue
                }
                if service.hooksURL == nil {
                    context.problem(.error, file, line, place, "caller '\(service.id)' has no hooks_url: say where it receives hooks")
                }
            }
        }

        for auditor in auditors where digests.contains(auditor.tokenDigest) {
            context.problem(.error, "policies/auditors.yaml", nil, "auditors.\(auditor.id)", "an auditor's token must not be a caller's token")
        }
        if context.problems.contains(where: { $0.severity == .error }) {
            throw PolicyLoadError(problems: context.problems)
        }
        var hasher = SHA256()
        for file in files {
            hasher.update(data: Data(file.path.utf8))
            hasher.update(data: [0])
            hasher.update(data: Data(file.text.utf8))
            hasher.update(data: [0])
        }
        let version = KeyedDigests.hex(hasher.finalize())
        return PolicySet(
            partners: partners, callers: callers, auditors: auditors, categories: categories, homeCountry: homeCountry,
            defaultRetention: gateway.retention ?? "as long as the purpose needs (no retention stated)",
            defaultRetentionID: gateway.retention_id, controller: controller, deny: deny,
            pseudonymKey: pseudonymKey ?? .environment("MINGATE_PSEUDONYM_KEY"),
            ledgerKey: ledgerKey ?? .environment("MINGATE_LEDGER_KEY"), version: version,
            warnings: context.problems)
    }

    static func isCountryCode(_ text: String) -> Bool {
        text.count == 2 && text.allSatisfy { $0.isASCII && $0.isUppercase }
    }

    /// `http` or `https` for an absolute URL with a host and no query (a partner's base URL, a service's hooks URL);
    /// nil for anything else.
    static func httpScheme(of text: String) -> String? {
        guard let url = URL(string: text), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil,
            url.query == nil
        else { return nil }
        return scheme
    }

    struct Context {
        var problems: [PolicyProblem] = []

        mutating func problem(_ severity: PolicyProblem.Severity, _ file: String, _ line: Int?, _ place: String, _ message: String) {
            problems.append(PolicyProblem(severity, file: file, line: line, place: place, message: message))
        }

        mutating func secret(_ text: String, _ file: String, _ place: String) -> SecretReference? {
            guard let reference = SecretReference(text) else {
                problem(.error, file, nil, place, "a secret reference is 'env:NAME' or 'file:PATH'")
                return nil
            }
            return reference
        }

        /// Parses YAML, reports unknown keys, decodes the raw struct; nil (with problems) when it cannot.
        mutating func decode<T: Decodable>(_ type: T.Type, schema: YAMLSchema, _ file: PolicySource.File) -> (T, Node)? {
            let node: Node
            do {
                guard let composed = try Yams.compose(yaml: file.text) else {
                    problem(.error, file.path, nil, "", "the file is empty")
                    return nil
                }
                node = composed
            } catch let error as YamlError {
                problem(.error, file.path, Self.line(of: error), "", "not valid YAML: \(Self.summary(of: error))")
                return nil
            } catch {
                problem(.error, file.path, nil, "", "not valid YAML")
                return nil
            }
            for unknown in schema.unknownKeys(in: node) {
                problem(.error, file.path, unknown.line, unknown.place, "unknown key")
            }
            do {
                return (try YAMLDecoder().decode(T.self, from: node), node)
            } catch let error as DecodingError {
                let (path, message) = Self.describe(error)
                problem(.error, file.path, node.line(at: path), path, message)
                return nil
            } catch {
                problem(.error, file.path, nil, "", "cannot read: \(error)")
                return nil
            }
        }

        static func line(of error: YamlError) -> Int? {
            switch error {
            case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _):
                return mark.line
            default: return nil
            }
        }

        static func summary(of error: YamlError) -> String {
            switch error {
            case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _):
                return problem
            default: return "\(error)"
            }
        }

        static func describe(_ error: DecodingError) -> (String, String) {
            func path(_ keys: [CodingKey]) -> String {
                keys.reduce("") { result, key in
                    if let index = key.intValue { return result + "[\(index)]" }
                    return result.isEmpty ? key.stringValue : result + "." + key.stringValue
                }
            }
            switch error {
            case .keyNotFound(let key, let context):
                return (path(context.codingPath), "missing '\(key.stringValue)'")
            case .typeMismatch(let type, let context):
                return (path(context.codingPath), "expected \(Self.name(of: type))")
            case .valueNotFound(let type, let context):
                return (path(context.codingPath), "expected \(Self.name(of: type)), found nothing")
            case .dataCorrupted(let context):
                return (path(context.codingPath), context.debugDescription)
            @unknown default:
                return ("", "cannot read")
            }
        }

        static func name(of type: Any.Type) -> String {
            switch type {
            case is Int.Type: "a whole number"
            case is Bool.Type: "true or false"
            case is String.Type: "a string"
            default: "\(type)".lowercased().contains("array") ? "a list" : "a mapping"
            }
        }
    }
}
