/// A partner's answer as it reached the gateway.
public struct PartnerAnswer: Sendable {
    public let status: Int
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(status: Int, headers: [(name: String, value: String)], body: [UInt8]) {
        self.status = status
        self.headers = headers
        self.body = body
    }
}

/// What goes back to the caller from a partner's answer, and what the outcome records of it.
public struct MinimisedAnswer: Sendable {
    public let status: Int
    /// The partner's headers the caller receives (hop-by-hop and server headers are the edge's to drop).
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// Fields received from the partner and passed to the caller: where, what kind, in what form. Never a value.
    public let received: [DisclosedField]
    public let withheld: [String]
}

/// A purpose's `response:` allowlist, compiled: cuts a partner's answer down like a request is on the way out.
public struct AnswerMinimiser: Sendable {
    let json: JSONMinimiser
    let headers: FieldMinimiser
    let transformer: Transformer
    let maxJSONDepth: Int

    /// Headers of an answer the edge sets itself or never relays: not data, not recorded.
    static let framing: Set<String> = ["content-type", "content-length", "transfer-encoding", "connection", "date", "server"]

    /// The answer cut to the allowlist. A body that is not JSON, cannot be parsed or transformed, or is a bare value
    /// no `$` rule selects, is withheld whole (the caller gets the status alone): nothing that cannot be read back
    /// is relayed.
    public func minimise(_ answer: PartnerAnswer) -> MinimisedAnswer {
        var received: [DisclosedField] = []
        var withheld: [String] = []
        var headers: [(name: String, value: String)] = []
        let incoming = answer.headers.filter { !Self.framing.contains($0.name.lowercased()) }
        if let kept = try? self.headers.minimise(incoming, with: transformer) {
            headers = kept.output
            received += kept.disclosed
            withheld += kept.withheld
        } else {
            withheld += incoming.map { "response-header:\($0.name.lowercased())" }
        }

        var body: [UInt8] = []
        if !answer.body.isEmpty {
            if let minimised = minimiseBody(answer) {
                body = JSONWriter().bytes(minimised.output)
                received += minimised.disclosed
                withheld += minimised.withheld
                headers.append(("Content-Type", "application/json"))
            } else {
                withheld.append("response:body")
            }
        }
        return MinimisedAnswer(status: answer.status, headers: headers, body: body, received: received, withheld: withheld)
    }

    private func minimiseBody(_ answer: PartnerAnswer) -> Minimised<JSONValue>? {
        let type = answer.headers.first { $0.name.lowercased() == "content-type" }.map { HeaderParameters.parse($0.value).value.lowercased() }
        guard type == nil || type == "application/json" || type?.hasSuffix("+json") == true,
            let document = try? JSONParser(maxDepth: maxJSONDepth).parse(answer.body),
            document.isContainer || json.selectsRoot
        else { return nil }
        return try? json.minimise(document, with: transformer)
    }
}

extension Enforcer {
    /// The step after sending: the purpose's `response:` allowlist, or nil when it declares none (the edge then
    /// relays the answer as it came, without copying it, and the outcome says so). A hook's record has none: its
    /// purpose is a hook id, and the service's answer never goes back to the partner.
    public func answerMinimiser(for record: Disclosure) -> AnswerMinimiser? {
        guard record.direction == .outbound else { return nil }
        return answerMinimiser(partner: record.partner, purpose: record.purpose)
    }

    /// A purpose's `response:` allowlist, by name.
    public func answerMinimiser(partner: String?, purpose: String?) -> AnswerMinimiser? {
        guard let partner, let purpose else { return nil }
        return plans[partner]?.purposes[purpose]?.answer
    }
}
