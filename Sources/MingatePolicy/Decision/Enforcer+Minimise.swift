extension Enforcer {
    /// Headers the gateway itself consumes or sets: not data about anyone, not recorded as withheld.
    static let gatewayHeaders: Set<String> = [
        "authorization", "content-type", "content-length", "host", "connection", "transfer-encoding", "x-mingate-subject",
        "x-mingate-legal-reference", "x-mingate-subject-minor", "x-request-id",
    ]

    /// Step 3: the body (already read, within the limit), the query and the headers minimised to the purpose's
    /// allowlists, the partner's credentials added, the record of the forward written. The verdict still names
    /// the consents the store must confirm.
    public func minimise(_ permit: Permit, _ request: InboundRequest, requestID: String) throws(Refusal) -> Verdict {
        let placement = permit.placement
        let plan = placement.partnerPlan
        let purposePlan = placement.purposePlan
        let purpose = placement.purpose
        var record = Disclosure(requestID: requestID, method: request.method, policyVersion: policy.version)
        describe(permit, into: &record)

        var subjectID = permit.subjectID
        var body: [UInt8] = []
        var contentType: String?
        // A body is what its Content-Type says, whatever its length: zero bytes declared as JSON are not JSON. Without
        // a Content-Type, only an empty body is accepted (`minimiseBody` refuses the rest).
        if !request.body.isEmpty || request.header("content-type") != nil {
            (body, contentType) = try minimiseBody(request, purposePlan, plan.transformer, &record, &subjectID)
        }
        if case .json = purpose.subject, let subjectID, !subjectID.trimmingCharacters(in: .whitespaces).isEmpty {
            record.subjectKey = subjectKey(for: subjectID)
        }
        // Decided on the body actually read, whatever the headers declared: a request that can disclose personal
        // data names its subject, in the header (checked early by `permit`) or in the body.
        if record.subjectKey == nil && purpose.requiresSubject(hasBody: !request.body.isEmpty) {
            let hint = if case .header(let name) = purpose.subject { "name the data subject (\(name))" } else { "the body must name the data subject" }
            throw Refusal(.subjectRequired, "this request can disclose personal data: \(hint)")
        }

        let path = try transform { () throws(TransformFailure) in
            try purposePlan.path.minimise(placement.parameters, with: plan.transformer)
        }
        guard path.output.count == placement.route.parameterNames.count else {
            throw Refusal(.routeNotAllowed, "a path parameter of \(placement.route) is not declared")
        }
        record.disclosed += path.disclosed

        var query = ""
        if let rawQuery = placement.path.query, !rawQuery.isEmpty {
            guard let fields = FormEncoding.decode(rawQuery) else {
                throw Refusal(.malformedQuery, "the query string has a broken percent-escape or is not UTF-8")
            }
            let minimised = try transform { () throws(TransformFailure) in
                try purposePlan.query.minimise(fields, with: plan.transformer)
            }
            record.disclosed += minimised.disclosed
            record.withheld += minimised.withheld
            query = FormEncoding.encode(minimised.output)
        }

        let connectionListed = RequestFraming.connectionListed(in: request.headers)
        var incoming: [(name: String, value: String)] = []
        for header in request.headers {
            let name = header.name.lowercased()
            if Self.gatewayHeaders.contains(name) { continue }
            if PartnerChecker.neverForwardedHeaders.contains(name) || connectionListed.contains(name) {
                if !record.withheld.contains("header:\(name)") { record.withheld.append("header:\(name)") }
                continue
            }
            incoming.append(header)
        }
        let headers = try transform { () throws(TransformFailure) in
            try purposePlan.headers.minimise(incoming, with: plan.transformer)
        }
        record.disclosed += headers.disclosed
        record.withheld += headers.withheld
        var outboundHeaders = headers.output
        if let contentType { outboundHeaders.append(("Content-Type", contentType)) }
        if let credentials = plan.partner.credentials, let value = keys.credentials[plan.partner.id] {
            outboundHeaders.append((credentials.header, value))
        }

        var url = plan.partner.baseURL
        if url.hasSuffix("/") { url.removeLast() }
        url += placement.outboundPath(parameters: path.output.map(\.value))
        if !query.isEmpty { url += "?" + query }
        if !body.isEmpty { record.bodyDigest = digest(body) }
        record.decision = .forward
        record.reason = "allowed"
        let outbound = OutboundRequest(
            partner: plan.partner.id, method: request.method, url: url, headers: outboundHeaders, body: body)
        return Verdict(outbound: outbound, disclosure: record, consentNeeds: permit.consentNeeds)
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
            let document = try parseJSON(request.body, contentType: contentType)
            if case .json(let query) = plan.purpose.subject, let found = Self.subjectID(at: query, in: document) {
                subjectID = found
            }
            guard document.isContainer || plan.json!.selectsRoot else {
                throw Refusal(.unexpectedJSONRoot, "the JSON body is a \(document.typeName), not an object or array; no rule selects it")
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

    func transform<T>(_ body: () throws(TransformFailure) -> T) throws(Refusal) -> T {
        do {
            return try body()
        } catch {
            throw Refusal(.transformFailed, "transform \(error.transform) cannot apply to the \(error.typeName) at \(error.path)")
        }
    }

    /// A JSON body read strictly (UTF-8, within the depth limit); a parse error becomes its refusal.
    func parseJSON(_ body: [UInt8], contentType: HeaderParameters) throws(Refusal) -> JSONValue {
        if let charset = contentType["charset"], charset.lowercased() != "utf-8" {
            throw Refusal(.unsupportedMediaType, "JSON bodies are UTF-8")
        }
        do {
            return try JSONParser(maxDepth: limits.maxJSONDepth).parse(body)
        } catch {
            throw Refusal(Self.code(for: error), "\(error.message) at byte \(error.offset)")
        }
    }

    /// The data subject's id where a body names it: a string, or a number's text; nil for anything else.
    static func subjectID(at query: JSONPathQuery, in document: JSONValue) -> String? {
        switch query.select(in: document).first?.value {
        case .string(let text)?: text
        case .number(let number)?: number.text
        default: nil
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
}
