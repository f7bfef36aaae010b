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
    public enum Handling: String, Sendable {
        /// Cut down to the purpose's `response:` allowlist.
        case minimised
        /// The purpose declares no `response:`: relayed whole, as the outcome says.
        case relayed
    }

    public let status: Int
    /// The partner's headers the caller receives (hop-by-hop and server headers are the edge's to drop).
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    /// Fields received from the partner and passed to the caller: where, what kind, in what form. Never a value.
    public let received: [DisclosedField]
    public let withheld: [String]
    public let handling: Handling
}

extension Enforcer {
    /// Headers of an answer the edge sets itself or never relays: not data, not recorded.
    static let answerFraming: Set<String> = ["content-type", "content-length", "transfer-encoding", "connection", "date", "server"]

    /// Step after sending: the partner's answer cut down to the purpose's `response:` allowlist, like a request is
    /// on the way out. A body that is not JSON, cannot be parsed, or cannot be transformed is withheld whole (the
    /// caller gets the status alone): nothing that cannot be read back is relayed. Without a `response:` block the
    /// answer is relayed as it came, and the outcome says so.
    public func minimise(answer: PartnerAnswer, partner: String?, purpose: String?) -> MinimisedAnswer {
        guard let partner, let purpose, let plan = plans[partner], let purposePlan = plan.purposes[purpose],
            let rules = purposePlan.answer
        else {
            return MinimisedAnswer(
                status: answer.status, headers: answer.headers, body: answer.body, received: [], withheld: [], handling: .relayed)
        }
        var received: [DisclosedField] = []
        var withheld: [String] = []
        var headers: [(name: String, value: String)] = []
        let incoming = answer.headers.filter { !Self.answerFraming.contains($0.name.lowercased()) }
        if let kept = try? rules.headers.minimise(incoming, with: plan.transformer) {
            headers = kept.output
            received += kept.disclosed
            withheld += kept.withheld
        } else {
            withheld += incoming.map { "response-header:\($0.name.lowercased())" }
        }

        var body: [UInt8] = []
        if !answer.body.isEmpty {
            if let minimised = minimiseAnswerBody(answer, rules.json, plan.transformer) {
                body = JSONWriter().bytes(minimised.output)
                received += minimised.disclosed
                withheld += minimised.withheld
                headers.append(("Content-Type", "application/json"))
            } else {
                withheld.append("response:body")
            }
        }
        return MinimisedAnswer(
            status: answer.status, headers: headers, body: body, received: received, withheld: withheld, handling: .minimised)
    }

    /// The JSON body minimised, or nil when it must be withheld whole (not JSON, unreadable, untransformable, a bare
    /// value no `$` rule selects).
    private func minimiseAnswerBody(_ answer: PartnerAnswer, _ minimiser: JSONMinimiser, _ transformer: Transformer)
        -> Minimised<JSONValue>?
    {
        let type = answer.headers.first { $0.name.lowercased() == "content-type" }.map { HeaderParameters.parse($0.value).value.lowercased() }
        guard type == nil || type == "application/json" || type?.hasSuffix("+json") == true,
            let document = try? JSONParser(maxDepth: limits.maxJSONDepth).parse(answer.body),
            document.isContainer || minimiser.selectsRoot
        else { return nil }
        return try? minimiser.minimise(document, with: transformer)
    }
}
