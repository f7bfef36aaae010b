import Foundation
import Yams

/// Checks and converts one partner file, collecting problems with their lines.
struct PartnerChecker {
    let file: String
    let node: Node
    let categories: [String: DataCategory]
    let deny: DenyList
    let homeCountry: String
    var problems: [PolicyProblem] = []

    init(file: String, node: Node, categories: [String: DataCategory], deny: DenyList, homeCountry: String) {
        self.file = file
        self.node = node
        self.categories = categories
        self.deny = deny
        self.homeCountry = homeCountry
    }

    mutating func error(_ place: String, _ message: String) {
        problems.append(PolicyProblem(.error, file: file, line: node.line(at: place), place: place, message: message))
    }

    mutating func warning(_ place: String, _ message: String) {
        problems.append(PolicyProblem(.warning, file: file, line: node.line(at: place), place: place, message: message))
    }

    mutating func partner(_ raw: RawPartner) -> Partner? {
        let before = problems.filter { $0.severity == .error }.count
        if !raw.id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-") }) || raw.id.isEmpty {
            error("id", "a partner id is lowercase letters, digits and '-'")
        }
        let legalEntity = raw.legal_entity ?? ""
        if legalEntity.isEmpty { error("legal_entity", "every partner names its legal entity") }
        let country = raw.country ?? ""
        if !PolicyCompiler.isCountryCode(country) { error("country", "country must be an ISO 3166-1 alpha-2 code like 'ID'") }
        let baseURL = raw.base_url ?? ""
        if let scheme = PolicyCompiler.httpScheme(of: baseURL) {
            if scheme == "http" { warning("base_url", "plain http: data would cross the network unencrypted") }
        } else {
            error("base_url", "base_url must be an absolute http(s) URL without a query")
        }
        var credentials: CredentialInjection?
        if let raw = raw.credentials {
            let header = raw.header ?? "Authorization"
            if let secretText = raw.secret, let secret = SecretReference(secretText) {
                credentials = CredentialInjection(header: header, prefix: raw.prefix ?? "", secret: secret)
            } else {
                error("credentials.secret", "a secret reference is 'env:NAME' or 'file:PATH' (never the secret itself)")
            }
        }
        var erasure = ErasureChannel.none
        if let endpoint = raw.erasure?.endpoint {
            let method = (endpoint.method ?? "POST").uppercased()
            guard let path = endpoint.path, path.hasPrefix("/") else {
                error("erasure.endpoint.path", "an erasure endpoint needs a path starting with '/'")
                return nil
            }
            erasure = .endpoint(method: method, path: path)
        } else if let contact = raw.erasure?.contact, !contact.isEmpty {
            erasure = .contact(contact)
        } else {
            warning("erasure", "no erasure endpoint or contact: erasure requests cannot reach this partner")
        }
        let connect = raw.timeouts?.connect_ms ?? 2_000
        let request = raw.timeouts?.request_ms ?? 15_000
        if connect <= 0 || request <= 0 { error("timeouts", "timeouts must be positive") }

        var purposes: [String: Purpose] = [:]
        let rawPurposes = raw.purposes ?? [:]
        if rawPurposes.isEmpty { error("purposes", "a partner has at least one purpose") }
        for (id, rawPurpose) in rawPurposes.sorted(by: { $0.key < $1.key }) {
            if id == Disclosure.erasure {
                error("purposes.\(id)", "'\(id)' is reserved for the erasure requests the gateway sends itself")
                continue
            }
            if let purpose = self.purpose(id, rawPurpose, crossBorder: country != homeCountry) { purposes[id] = purpose }
        }
        var hooks: [String: Hook] = [:]
        for (id, rawHook) in (raw.hooks ?? [:]).sorted(by: { $0.key < $1.key }) {
            if let hook = self.hook(id, rawHook) { hooks[id] = hook }
        }
        guard problems.filter({ $0.severity == .error }).count == before else { return nil }
        return Partner(
            id: raw.id, name: raw.name ?? raw.id, legalEntity: legalEntity, country: country, baseURL: baseURL,
            tls: TLSSettings(caFile: raw.tls?.ca_file, verify: raw.tls?.verify ?? true),
            timeouts: Timeouts(connectMilliseconds: connect, requestMilliseconds: request),
            credentials: credentials, erasure: erasure, purposes: purposes, hooks: hooks)
    }

    mutating func purpose(_ id: String, _ raw: RawPurpose, crossBorder: Bool) -> Purpose? {
        let place = "purposes.\(id)"
        guard let basisText = raw.legal_basis, let basis = LegalBasis(rawValue: basisText) else {
            error(place + ".legal_basis", "legal_basis must be one of: " + LegalBasis.allCases.map(\.rawValue).joined(separator: ", "))
            return nil
        }
        var transfer: TransferBasis?
        if let text = raw.transfer_basis {
            transfer = TransferBasis(rawValue: text)
            if transfer == nil {
                error(place + ".transfer_basis", "transfer_basis must be one of: " + TransferBasis.allCases.map(\.rawValue).joined(separator: ", "))
            }
        }
        if crossBorder && transfer == nil {
            error(place + ".transfer_basis", "the partner is outside \(homeCountry): each purpose needs a transfer_basis")
        }
        var routes: [RouteTemplate] = []
        for (offset, text) in (raw.routes ?? []).enumerated() {
            switch RouteTemplate.parse(text) {
            case .success(let route): routes.append(route)
            case .failure(let failure): error("\(place).routes[\(offset)]", failure.message)
            }
        }
        if routes.isEmpty { error(place + ".routes", "a purpose declares at least one route") }
        let pathParameters = self.pathParameters(place, raw, routes: routes, basis)

        var subject = SubjectSource.header("x-mingate-subject")
        if let header = raw.subject?.header {
            subject = .header(header.lowercased())
        } else if let path = raw.subject?.json {
            do throws(JSONPathError) {
                let query = try JSONPathQuery(path)
                if !query.isSingular { error(place + ".subject.json", "the subject path must be singular (names and indices only)") }
                subject = .json(query)
            } catch {
                self.error(place + ".subject.json", "invalid JSONPath: \(error)")
            }
        }

        let json = raw.body?.json.map { jsonRules(place + ".body.json", $0, basis, raw.justification) }
        let form = raw.body?.form.map { fields(place + ".body.form", $0, basis, raw.justification) }
        var multipart: [PartRule]?
        if let parts = raw.body?.multipart {
            multipart = []
            for (offset, part) in parts.enumerated() where part.allow != false {
                let partPlace = "\(place).body.multipart[\(offset)]"
                if deny.denies(part.name) { error(partPlace + ".name", "'\(part.name)' is on the global deny list"); continue }
                guard let (category, transform) = field(partPlace, part.category, part.transform, part.justification ?? raw.justification, basis) else { continue }
                let maxBytes = part.max_bytes ?? 1_048_576
                if maxBytes <= 0 { error(partPlace + ".max_bytes", "max_bytes must be positive") }
                multipart?.append(PartRule(name: part.name, category: category, transform: transform,
                    contentTypes: (part.content_types ?? []).map { $0.lowercased() }, maxBytes: maxBytes))
            }
        }
        let query = fields(place + ".query", raw.query ?? [], basis, raw.justification)
        let headers = fields(place + ".headers", raw.headers ?? [], basis, raw.justification, caseInsensitive: true).map {
            FieldRule(name: $0.name.lowercased(), category: $0.category, transform: $0.transform)
        }
        for (offset, header) in headers.enumerated() where Self.neverForwardedHeaders.contains(header.name) {
            error("\(place).headers[\(offset)]", "'\(header.name)' is never forwarded (hop-by-hop, cookie or set by the gateway)")
        }
        var response: ResponsePolicy?
        if let answer = raw.response {
            let headers = fields(place + ".response.headers", answer.headers ?? [], basis, raw.justification, caseInsensitive: true)
            response = ResponsePolicy(
                json: jsonRules(place + ".response.json", answer.json ?? [], basis, raw.justification),
                headers: headers.map { FieldRule(name: $0.name.lowercased(), category: $0.category, transform: $0.transform) })
        }
        return Purpose(
            id: id, description: raw.description ?? "", descriptionID: raw.description_id, legalBasis: basis,
            transferBasis: transfer, retention: raw.retention, retentionID: raw.retention_id,
            legalRequest: raw.legal_request ?? false,
            personalBody: Self.personal(json ?? [], form, multipart, [], [], categories),
            personalFields: Self.personal([], nil, nil, query + pathParameters, headers, categories),
            routes: routes,
            subject: subject, body: BodyPolicy(json: json, form: form, multipart: multipart),
            pathParameters: pathParameters, query: query, headers: headers, response: response)
    }

    /// JSON allowlist rules (a request body's or a response's), each checked; rules that would silently lose are errors.
    mutating func jsonRules(_ place: String, _ rules: [RawJSONRule], _ basis: LegalBasis, _ justification: String?) -> [JSONRule] {
        var json: [JSONRule] = []
        var offsets: [Int] = []
        for (offset, rule) in rules.enumerated() {
            let rulePlace = "\(place)[\(offset)]"
            let query: JSONPathQuery
            if rule.allow == false {
                // Listed, not allowed: only the path must be valid JSONPath.
                do throws(JSONPathError) { _ = try JSONPathQuery(rule.path) } catch {
                    self.error(rulePlace + ".path", "invalid JSONPath '\(rule.path)': \(error)")
                }
                continue
            }
            do throws(JSONPathError) {
                query = try JSONPathQuery(rule.path)
            } catch {
                self.error(rulePlace + ".path", "invalid JSONPath '\(rule.path)': \(error)")
                continue
            }
            if query.hasDescendantSegment {
                warning(rulePlace + ".path", "'..' selects at every depth; an allowlist rarely means that")
            }
            if let lastName = Self.lastName(of: query), deny.denies(lastName) {
                error(rulePlace + ".path", "'\(lastName)' is on the global deny list and is never disclosed")
            }
            guard let (category, transform) = field(rulePlace, rule.category, rule.transform, rule.justification ?? justification, basis) else { continue }
            json.append(JSONRule(query: query, category: category, transform: transform))
            offsets.append(offset)
        }
        losingRules(place, zip(offsets, json).map { ($0, $1) })
        return json
    }

    /// The `path_params` rules, checked against the routes: every `{name}` a route uses is declared (a value in the
    /// path is data like any other), none is withheld (the route could not be called).
    mutating func pathParameters(_ place: String, _ raw: RawPurpose, routes: [RouteTemplate], _ basis: LegalBasis) -> [FieldRule] {
        let declared = raw.path_params ?? []
        for (offset, field) in declared.enumerated() where field.allow == false {
            error("\(place).path_params[\(offset)].allow", "a path parameter cannot be withheld: the route needs it; remove the route instead")
        }
        let rules = fields(place + ".path_params", declared, basis, raw.justification)
        var used: Set<String> = []
        for (offset, route) in routes.enumerated() {
            var inRoute: Set<String> = []
            for name in route.parameterNames {
                if !inRoute.insert(name).inserted {
                    error("\(place).routes[\(offset)]", "parameter '{\(name)}' appears twice in \(route)")
                }
                used.insert(name)
                if !declared.contains(where: { $0.name == name }) {
                    error(
                        "\(place).routes[\(offset)]",
                        "parameter '{\(name)}' of \(route) is not declared: add it under path_params with its category and transform")
                }
            }
        }
        for (offset, field) in declared.enumerated() where !used.contains(field.name) {
            warning("\(place).path_params[\(offset)].name", "path parameter '\(field.name)' is in no route")
        }
        return rules
    }

    /// JSON rules that lose to another without a word: two rules that can select the same node with a different
    /// category or transform (the first in the file decides, the other is silently ignored), and a `keep` rule inside
    /// a subtree another rule keeps whole under a different category (the node is recorded under the outer one).
    /// A deeper rule that transforms inside a kept subtree does not lose: it applies there (docs/allowlists.md).
    mutating func losingRules(_ place: String, _ rules: [(offset: Int, rule: JSONRule)]) {
        func problem(_ severity: PolicyProblem.Severity, _ index: Int, _ message: String) {
            let at = "\(place)[\(index)]"
            if severity == .error { error(at, message) } else { warning(at, message) }
        }
        for (position, (index, rule)) in rules.enumerated() {
            for (earlierIndex, earlier) in rules[..<position] {
                let other = "\(place)[\(earlierIndex)] (\(earlier.query.text), \(earlier.category) \(earlier.transform))"
                let differs = earlier.category != rule.category || earlier.transform != rule.transform
                switch rule.query.overlap(with: earlier.query) {
                case .none:
                    break
                case .sameNodes where differs:
                    problem(.error, index, "can select the same nodes as \(other); the first rule decides there, so this one (\(rule.category) \(rule.transform)) silently loses: make the paths disjoint or the rules equal")
                case .sameNodes:
                    if earlier.query.text == rule.query.text {
                        problem(.warning, index, "same path as rule \(earlierIndex): this rule never decides anything")
                    }
                case .inside where earlier.transform == .keep && rule.transform == .keep:
                    if earlier.category != rule.category {
                        problem(.error, index, "inside a subtree \(other) keeps whole: its nodes are recorded as \(earlier.category), so this rule's category \(rule.category) silently loses")
                    } else {
                        problem(.warning, index, "already kept whole by rule \(earlierIndex) (\(earlier.query.text))")
                    }
                case .contains where earlier.transform == .keep && rule.transform == .keep && earlier.category != rule.category:
                    problem(.error, index, "keeps whole a subtree holding \(other): those nodes are recorded as \(rule.category), so the earlier rule's category silently loses")
                case .inside, .contains:
                    break
                }
            }
        }
    }


    /// Headers that never pass whatever a partner file says.
    static let neverForwardedHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "host", "content-length", "cookie", "set-cookie", "authorization",
        "x-mingate-subject", "x-mingate-legal-reference", "x-mingate-subject-minor", "forwarded", "x-forwarded-for", "x-forwarded-host", "x-forwarded-proto", "x-real-ip",
    ]

    /// Named field rules (path parameters, query, headers, form). A name allowed twice with a different category or
    /// transform is an error (the first rule decides, the other would silently lose); twice the same, a warning.
    mutating func fields(
        _ place: String, _ raw: [RawField], _ basis: LegalBasis, _ purposeJustification: String?, caseInsensitive: Bool = false
    ) -> [FieldRule] {
        var out: [FieldRule] = []
        var first: [String: (offset: Int, rule: FieldRule)] = [:]
        for (offset, field) in raw.enumerated() where field.allow != false {
            let fieldPlace = "\(place)[\(offset)]"
            if deny.denies(field.name) { error(fieldPlace + ".name", "'\(field.name)' is on the global deny list and is never disclosed"); continue }
            guard let (category, transform) = self.field(fieldPlace, field.category, field.transform, field.justification ?? purposeJustification, basis) else { continue }
            let rule = FieldRule(name: field.name, category: category, transform: transform)
            let key = caseInsensitive ? field.name.lowercased() : field.name
            if let earlier = first[key] {
                if earlier.rule.category != category || earlier.rule.transform != transform {
                    error(
                        fieldPlace + ".name",
                        "'\(field.name)' is also allowed by \(place)[\(earlier.offset)] as \(earlier.rule.category) \(earlier.rule.transform): the first rule decides, so this one (\(category) \(transform)) silently loses")
                } else {
                    warning(fieldPlace + ".name", "'\(field.name)' is allowed twice; the first rule decides")
                }
                continue
            }
            first[key] = (offset, rule)
            out.append(rule)
        }
        return out
    }


    /// Checks a field's category and transform; sensitive categories need a written justification.
    mutating func field(_ place: String, _ category: String?, _ transform: String?, _ justification: String?, _ basis: LegalBasis) -> (String, Transform)? {
        guard let category, !category.isEmpty else {
            error(place + ".category", "every allowed field names its data category")
            return nil
        }
        guard let known = categories[category] else {
            error(place + ".category", "unknown category '\(category)' (see policies/categories.yaml)")
            return nil
        }
        let parsed = Transform(spelling: transform ?? "keep")
        guard let parsed else {
            error(place + ".transform", "unknown transform '\(transform ?? "")'; one of keep, mask(N), card, pseudonym, year, year-month, truncate(N)")
            return nil
        }
        if known.sensitive && (justification ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            error(place + ".justification", "'\(category)' is sensitive (specific) data: write why this partner needs it")
        }
        return (category, parsed)
    }

    static func personal(
        _ json: [JSONRule], _ form: [FieldRule]?, _ parts: [PartRule]?, _ query: [FieldRule], _ headers: [FieldRule],
        _ categories: [String: DataCategory]
    ) -> Bool {
        let used = json.map(\.category) + (form ?? []).map(\.category) + (parts ?? []).map(\.category)
            + query.map(\.category) + headers.map(\.category)
        return used.contains { categories[$0]?.personal ?? true }
    }

    static func lastName(of query: JSONPathQuery) -> String? {
        guard case .child(let selectors)? = query.segments.last, selectors.count == 1,
            case .name(let name) = selectors[0]
        else { return nil }
        return name
    }
}
