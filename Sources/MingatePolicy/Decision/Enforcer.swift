import Crypto
import Foundation

/// Decides what happens to one request: refuse (and why), or forward exactly this minimised request.
///
/// Pure: no I/O, no clock. Built once per loaded policy (allowlists compiled, keys derived); `decide` is called
/// per request. Every path through `decide` produces a `Disclosure` for the ledger, refusals included.
public struct Enforcer: Sendable {
    public let policy: PolicySet
    public let limits: Limits
    private let keys: EnforcerKeys
    private let plans: [String: PartnerPlan]

    public struct Limits: Sendable {
        public var maxBodyBytes: Int
        public var maxJSONDepth: Int

        public init(maxBodyBytes: Int = 1_048_576, maxJSONDepth: Int = 32) {
            self.maxBodyBytes = maxBodyBytes
            self.maxJSONDepth = maxJSONDepth
        }
    }

    struct PartnerPlan: Sendable {
        let partner: Partner
        let transformer: Transformer
        let purposes: [String: PurposePlan]
    }

    struct PurposePlan: Sendable {
        let purpose: Purpose
        let json: JSONMinimiser?
        let form: FieldMinimiser?
        let query: FieldMinimiser
        let headers: FieldMinimiser
    }

    public init(policy: PolicySet, keys: EnforcerKeys, limits: Limits = Limits()) {
        self.policy = policy
        self.keys = keys
        self.limits = limits
        var plans: [String: PartnerPlan] = [:]
        for (id, partner) in policy.partners {
            var purposes: [String: PurposePlan] = [:]
            for (purposeID, purpose) in partner.purposes {
                purposes[purposeID] = PurposePlan(
                    purpose: purpose,
                    json: purpose.body.json.map { JSONMinimiser(rules: $0, deny: policy.deny) },
                    form: purpose.body.form.map {
                        FieldMinimiser(rules: $0, deny: policy.deny, caseInsensitive: false, kind: "form")
                    },
                    query: FieldMinimiser(rules: purpose.query, deny: policy.deny, caseInsensitive: false, kind: "query"),
                    headers: FieldMinimiser(
                        rules: purpose.headers, deny: policy.deny, caseInsensitive: true, kind: "header"))
            }
            plans[id] = PartnerPlan(
                partner: partner,
                transformer: Transformer(pseudonymKey: Transformer.partnerKey(master: keys.pseudonym, partner: id)),
                purposes: purposes)
        }
        self.plans = plans
    }

    /// Decides on one request. `requestID` is the gateway's id for it.
    public func decide(_ request: InboundRequest, requestID: String) -> Decision {
        var disclosure = Disclosure(requestID: requestID, method: request.method, policyVersion: policy.version)
        do throws(Refusal) {
            let outbound = try evaluate(request, &disclosure)
            disclosure.decision = .forward
            disclosure.reason = "allowed"
            return .forward(outbound, disclosure)
        } catch {
            disclosure.decision = .refuse
            disclosure.reason = error.code.rawValue
            disclosure.bodyDigest = nil
            return .refuse(error, disclosure)
        }
    }

    private func evaluate(_ request: InboundRequest, _ disclosure: inout Disclosure) throws(Refusal) -> OutboundRequest {
        // Where the call is aimed, read before anything is trusted, so even a refusal of an unknown caller
        // records which partner and purpose it was aimed at.
        let placed = Result { () throws(Refusal) in try PartnerPath.parse(request.target) }
        if case .success(let path) = placed, let plan = plans[path.partner] {
            disclosure.partner = plan.partner.id
            disclosure.partnerLegalEntity = plan.partner.legalEntity
            disclosure.partnerCountry = plan.partner.country
            if let purpose = plan.purposes[path.purpose]?.purpose {
                disclosure.purpose = purpose.id
                disclosure.legalBasis = purpose.legalBasis.rawValue
                disclosure.transferBasis = purpose.transferBasis?.rawValue
            }
        }

        // 1. Who is calling.
        let caller = try identify(request)
        disclosure.caller = caller.id

        // 2. Which partner, purpose and route.
        let path = try placed.get()
        guard let plan = plans[path.partner] else { throw Refusal(.unknownPartner, "no partner '\(path.partner)'") }
        let partner = plan.partner
        guard let purposePlan = plan.purposes[path.purpose] else {
            throw Refusal(.unknownPurpose, "partner '\(partner.id)' has no purpose '\(path.purpose)'")
        }
        let purpose = purposePlan.purpose

        // 3. May this caller use it.
        guard caller.mayUse(partner: partner.id, purpose: purpose.id) else {
            throw Refusal(.callerNotAllowed, "caller '\(caller.id)' may not use \(partner.id)/\(purpose.id)")
        }
        guard let route = purpose.route(method: request.method, segments: path.segments) else {
            throw Refusal(
                .routeNotAllowed, "\(request.method) \(path.encodedPartnerPath) is not a route of \(partner.id)/\(purpose.id)")
        }
        disclosure.route = route.description
        if partner.country != policy.homeCountry && purpose.transferBasis == nil {
            // The compiler refuses such a policy; this is the belt to its braces.
            throw Refusal(.callerNotAllowed, "no transfer basis for a partner outside \(policy.homeCountry)")
        }

        // 4. Subject, body, query and headers.
        var subjectID = subjectFromHeader(request, purpose)
        var body: [UInt8] = []
        var contentType: String?
        if request.bodyExceededLimit {
            throw Refusal(.bodyTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes")
        }
        if !request.body.isEmpty {
            (body, contentType) = try minimiseBody(request, purposePlan, plan.transformer, &disclosure, &subjectID)
        }
        disclosure.subjectKey = subjectID.map { subjectKey(for: $0) }
        if let subjectID, subjectID.trimmingCharacters(in: .whitespaces).isEmpty { disclosure.subjectKey = nil }
        let needsSubject = purpose.requiresSubject || purpose.legalBasis == .consent
        if needsSubject && disclosure.subjectKey == nil {
            throw Refusal(.subjectRequired, "this purpose discloses personal data: name the data subject (X-Mingate-Subject)")
        }
        if purpose.legalRequest {
            guard let reference = request.header("x-mingate-legal-reference")?.trimmingCharacters(in: .whitespaces),
                !reference.isEmpty, reference.count <= 200
            else {
                throw Refusal(.legalReferenceRequired, "a legal request carries its reference (X-Mingate-Legal-Reference: case number or document id)")
            }
            disclosure.legalReference = reference
        }
        if purpose.legalBasis == .consent { disclosure.consentNeeds.append(.purpose) }
        if partner.country != policy.homeCountry && purpose.transferBasis == .consent { disclosure.consentNeeds.append(.transfer) }
        let minor = request.header("x-mingate-subject-minor")?.lowercased() == "true"
        if minor && purpose.legalBasis == .consent { disclosure.consentNeeds.append(.guardian) }

        var query = ""
        if let rawQuery = path.query, !rawQuery.isEmpty {
            guard let fields = FormEncoding.decode(rawQuery) else {
                throw Refusal(.malformedQuery, "the query string has a broken percent-escape or is not UTF-8")
            }
            let minimised = try transform { () throws(TransformFailure) in
                try purposePlan.query.minimise(fields, with: plan.transformer)
            }
            disclosure.disclosed += minimised.disclosed
            disclosure.withheld += minimised.withheld
            query = FormEncoding.encode(minimised.output)
        }

        var incoming: [(name: String, value: String)] = []
        for header in request.headers {
            let name = header.name.lowercased()
            if Self.gatewayHeaders.contains(name) { continue }
            if PartnerChecker.neverForwardedHeaders.contains(name) {
                if !disclosure.withheld.contains("header:\(name)") { disclosure.withheld.append("header:\(name)") }
                continue
            }
            incoming.append(header)
        }
        let headers = try transform { () throws(TransformFailure) in
            try purposePlan.headers.minimise(incoming, with: plan.transformer)
        }
        disclosure.disclosed += headers.disclosed
        disclosure.withheld += headers.withheld
        var outboundHeaders = headers.output
        if let contentType { outboundHeaders.append(("Content-Type", contentType)) }
        if let credentials = partner.credentials, let value = keys.credentials[partner.id] {
            outboundHeaders.append((credentials.header, value))
        }

        var url = partner.baseURL
        if url.hasSuffix("/") { url.removeLast() }
        url += path.encodedPartnerPath
        if !query.isEmpty { url += "?" + query }
        if !body.isEmpty { disclosure.bodyDigest = digest(body) }
        return OutboundRequest(
            partner: partner.id, method: request.method, url: url, headers: outboundHeaders, body: body)
    }

    /// Headers the gateway itself consumes or sets: not data about anyone, not recorded as withheld.
    static let gatewayHeaders: Set<String> = [
        "authorization", "content-type", "content-length", "host", "connection", "transfer-encoding", "x-mingate-subject",
        "x-mingate-legal-reference", "x-mingate-subject-minor",
    ]

    private func identify(_ request: InboundRequest) throws(Refusal) -> Caller {
        guard let token = KeyedDigests.bearerToken(request.header("authorization")) else {
            throw Refusal(.unauthenticated, "send 'Authorization: Bearer <caller token>'")
        }
        guard let found = KeyedDigests.firstMatch(token, in: policy.callers, digest: \.tokenDigest) else {
            throw Refusal(.unauthenticated, "unknown caller token")
        }
        return found
    }

    private func subjectFromHeader(_ request: InboundRequest, _ purpose: Purpose) -> String? {
        if case .header(let name) = purpose.subject { return request.header(name) }
        return request.header("x-mingate-subject")
    }

    private func minimiseBody(
        _ request: InboundRequest, _ plan: PurposePlan, _ transformer: Transformer, _ disclosure: inout Disclosure,
        _ subjectID: inout String?
    ) throws(Refusal) -> ([UInt8], String?) {
        guard request.body.count <= limits.maxBodyBytes else {
            throw Refusal(.bodyTooLarge, "the body is larger than \(limits.maxBodyBytes) bytes")
        }
        guard let contentTypeText = request.header("content-type") else {
            throw Refusal(.unsupportedMediaType, "a body needs a Content-Type")
        }
        let contentType = HeaderParameters.parse(contentTypeText)
        let mediaType = contentType.value.lowercased()
        let declared = plan.purpose.body.declaredMediaTypes
        guard declared.contains(mediaType) else {
            let accepted = declared.isEmpty ? "no body" : declared.joined(separator: ", ")
            throw Refusal(.unsupportedMediaType, "'\(mediaType)' is not accepted here; this purpose accepts \(accepted)")
        }
        let firstByte = request.body.first { ![0x20, 0x09, 0x0A, 0x0D].contains($0) }
        switch mediaType {
        case "application/json":
            if let charset = contentType["charset"], charset.lowercased() != "utf-8" {
                throw Refusal(.unsupportedMediaType, "JSON bodies are UTF-8")
            }
            let document: JSONValue
            do {
                document = try JSONParser(maxDepth: limits.maxJSONDepth).parse(request.body)
            } catch {
                throw Refusal(Self.code(for: error), "\(error.message) at byte \(error.offset)")
            }
            if case .json(let query) = plan.purpose.subject, let node = query.select(in: document).first {
                switch node.value {
                case .string(let text): subjectID = text
                case .number(let number): subjectID = number.text
                default: break
                }
            }
            let minimised = try transform { () throws(TransformFailure) in
                try plan.json!.minimise(document, with: transformer)
            }
            disclosure.disclosed += minimised.disclosed
            disclosure.withheld += minimised.withheld
            return (JSONWriter().bytes(minimised.output), "application/json")
        case "application/x-www-form-urlencoded":
            if firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "[") {
                throw Refusal(.contentTypeMismatch, "the body looks like JSON but the Content-Type says form")
            }
            guard let text = String(validating: request.body, as: UTF8.self) else {
                throw Refusal(.invalidUTF8, "the form body is not UTF-8")
            }
            guard let fields = FormEncoding.decode(Substring(text)) else {
                throw Refusal(.malformedForm, "the form body has a broken percent-escape or is not UTF-8")
            }
            let minimised = try transform { () throws(TransformFailure) in
                try plan.form!.minimise(fields, with: transformer)
            }
            disclosure.disclosed += minimised.disclosed
            disclosure.withheld += minimised.withheld
            return (Array(FormEncoding.encode(minimised.output).utf8), "application/x-www-form-urlencoded")
        case "multipart/form-data":
            if firstByte == UInt8(ascii: "{") || firstByte == UInt8(ascii: "[") {
                throw Refusal(.contentTypeMismatch, "the body looks like JSON but the Content-Type says multipart")
            }
            guard let boundary = contentType["boundary"] else {
                throw Refusal(.malformedMultipart, "a multipart Content-Type needs a boundary")
            }
            let parsed: MultipartBody
            do {
                parsed = try MultipartBody.parse(request.body, boundary: boundary)
            } catch {
                throw Refusal(.malformedMultipart, error.message)
            }
            let minimised = try minimiseParts(parsed, rules: plan.purpose.body.multipart ?? [], transformer)
            disclosure.disclosed += minimised.disclosed
            disclosure.withheld += minimised.withheld
            return (minimised.output.serialised(), "multipart/form-data; boundary=\(boundary)")
        default:
            throw Refusal(.unsupportedMediaType, "'\(mediaType)' is not supported")
        }
    }

    private func minimiseParts(_ body: MultipartBody, rules: [PartRule], _ transformer: Transformer) throws(Refusal)
        -> Minimised<MultipartBody>
    {
        var result = Minimised(output: MultipartBody(boundary: body.boundary, parts: []), disclosed: [], withheld: [])
        for part in body.parts {
            let path = "part:\(part.name)"
            guard let rule = rules.first(where: { $0.name == part.name }), !policy.deny.denies(part.name) else {
                result.withheld.append(path)
                continue
            }
            guard part.body.count <= rule.maxBytes else {
                throw Refusal(.partTooLarge, "part '\(part.name)' is larger than \(rule.maxBytes) bytes")
            }
            var kept = part
            if rule.contentTypes.isEmpty {
                guard part.contentType == nil || part.contentType == "text/plain" else {
                    throw Refusal(.partTypeNotAllowed, "part '\(part.name)' is a text field; got '\(part.contentType ?? "")'")
                }
                guard let text = String(validating: part.body, as: UTF8.self) else {
                    throw Refusal(.invalidUTF8, "part '\(part.name)' is not UTF-8")
                }
                do {
                    kept.body = Array(try transformer.apply(rule.transform, toText: text).utf8)
                } catch {
                    throw Refusal(.transformFailed, "transform \(rule.transform) cannot apply to part '\(part.name)'")
                }
                kept.filename = nil
            } else {
                guard let type = part.contentType, rule.contentTypes.contains(type) else {
                    throw Refusal(
                        .partTypeNotAllowed,
                        "part '\(part.name)' must be one of \(rule.contentTypes.joined(separator: ", "))")
                }
                // The original file name can itself be personal ("budi_ktp.jpg"); the partner gets the part name.
                kept.filename = part.filename == nil ? nil : part.name
            }
            result.output.parts.append(kept)
            result.disclosed.append(DisclosedField(path: path, category: rule.category, transform: rule.transform.description))
        }
        return result
    }

    private func transform<T>(_ body: () throws(TransformFailure) -> T) throws(Refusal) -> T {
        do {
            return try body()
        } catch {
            throw Refusal(.transformFailed, "transform \(error.transform) cannot apply to the \(error.typeName) at \(error.path)")
        }
    }

    static func code(for error: JSONParseError) -> Refusal.Code {
        switch error.code {
        case .duplicateKey: .duplicateKey
        case .tooDeep: .jsonTooDeep
        case .invalidUTF8: .invalidUTF8
        default: .malformedJSON
        }
    }

    /// The partner's credential header as injected on every request to it.
    public func credentialHeader(for partner: String) -> (name: String, value: String)? {
        guard let injection = policy.partners[partner]?.credentials, let value = keys.credentials[partner] else { return nil }
        return (injection.header, value)
    }

    /// The subject's keyed hash as recorded in the ledger.
    public func subjectKey(for subjectID: String) -> String {
        KeyedDigests.subjectKey(subjectID, ledgerKey: keys.ledger)
    }

    /// Keyed digest of an outbound body.
    public func digest(_ body: [UInt8]) -> String {
        KeyedDigests.hex(HMAC<SHA256>.authenticationCode(for: body, using: keys.ledger))
    }
}
