extension PartnerChecker {
    /// One hook, checked: a known scheme with a secret reference, an internal service to deliver to, and an
    /// allowlist whose every field names its category (a hook brings data in: it is declared like data going out).
    mutating func hook(_ id: String, _ raw: RawHook) -> Hook? {
        let place = "hooks.\(id)"
        let before = problems.filter { $0.severity == .error }.count
        if id.isEmpty || !id.allSatisfy({ $0.isASCII && ($0.isLowercase || $0.isNumber || $0 == "-" || $0 == "_") }) {
            error(place, "a hook id is lowercase letters, digits, '-' and '_' (it is a path segment)")
        }
        let basis = LegalBasis(rawValue: raw.legal_basis ?? "")
        if basis == nil {
            error(place + ".legal_basis", "legal_basis must be one of: " + LegalBasis.allCases.map(\.rawValue).joined(separator: ", "))
        }
        var verification: HookVerification?
        if let verify = raw.verify {
            let scheme = HookVerification.Scheme(rawValue: verify.scheme ?? "")
            if scheme == nil {
                error(place + ".verify.scheme", "scheme must be one of: " + HookVerification.Scheme.allCases.map(\.rawValue).joined(separator: ", "))
            }
            let secret = verify.secret.flatMap(SecretReference.init)
            if secret == nil {
                error(place + ".verify.secret", "a secret reference is 'env:NAME' or 'file:PATH' (never the secret itself)")
            }
            let encoding = HookVerification.Encoding(rawValue: verify.encoding ?? "hex")
            if encoding == nil { error(place + ".verify.encoding", "encoding is hex or base64") }
            let header = verify.header?.lowercased()
            if scheme == .hmacSHA256 && (header ?? "").isEmpty {
                error(place + ".verify.header", "hmac-sha256 names the header that carries the signature")
            }
            if scheme != .hmacSHA256 && (header != nil || verify.encoding != nil || verify.prefix != nil) {
                error(place + ".verify", "header, encoding and prefix belong to hmac-sha256; \(verify.scheme ?? "this scheme") fixes its own")
            }
            let window = verify.window_seconds ?? 300
            if window <= 0 || window > 86_400 { error(place + ".verify.window_seconds", "window_seconds is between 1 and 86400") }
            if let scheme, let secret, let encoding {
                verification = HookVerification(
                    scheme: scheme, secret: secret, header: header, encoding: encoding, prefix: verify.prefix ?? "",
                    windowSeconds: window)
            }
        } else {
            error(place + ".verify", "a hook says how its sender is proven (verify: scheme, secret); an unsigned call is never accepted")
        }
        let deliverTo = raw.deliver_to ?? ""
        if deliverTo.isEmpty { error(place + ".deliver_to", "a hook names the internal service (a caller in callers.yaml) it is delivered to") }

        var subject: JSONPathQuery?
        if let path = raw.subject?.json {
            do throws(JSONPathError) {
                let query = try JSONPathQuery(path)
                if !query.isSingular { error(place + ".subject.json", "the subject path must be singular (names and indices only)") }
                subject = query
            } catch {
                self.error(place + ".subject.json", "invalid JSONPath: \(error)")
            }
        }
        let json = jsonRules(place + ".body.json", raw.body?.json ?? [], basis ?? .contract, raw.justification)
        let headers = fields(place + ".headers", raw.headers ?? [], basis ?? .contract, raw.justification, caseInsensitive: true).map {
            FieldRule(name: $0.name.lowercased(), category: $0.category, transform: $0.transform)
        }
        let signing = verification?.signatureHeaders ?? []
        for (offset, header) in headers.enumerated() where Self.neverForwardedHeaders.contains(header.name) || signing.contains(header.name) {
            error("\(place).headers[\(offset)]", "'\(header.name)' is never delivered (hop-by-hop, cookie, or the hook's own signature)")
        }
        if json.isEmpty && headers.isEmpty {
            warning(place, "the hook delivers nothing: its allowlist is empty")
        }
        guard problems.filter({ $0.severity == .error }).count == before, let basis, let verification else { return nil }
        return Hook(
            id: id, description: raw.description ?? "", descriptionID: raw.description_id, legalBasis: basis,
            verification: verification, deliverTo: deliverTo, subject: subject, json: json, headers: headers)
    }
}
