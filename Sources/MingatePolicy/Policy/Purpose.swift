/// One stated purpose a partner receives data for, and everything it may receive for it.
public struct Purpose: Sendable {
    public let id: String
    public let description: String
    public let legalBasis: LegalBasis
    public let transferBasis: TransferBasis?
    /// How long the partner may keep what it receives, as the contract says; the gateway's default otherwise.
    public let retention: String?
    /// A request from an authority (law enforcement, a court): each call must carry its legal reference
    /// (`X-Mingate-Legal-Reference`: case number, document id), which the ledger records.
    public let legalRequest: Bool
    /// Whether the purpose can disclose personal data, so every request must name its data subject.
    public let requiresSubject: Bool
    public let routes: [RouteTemplate]
    /// Where the request names its data subject; the default is the `X-Mingate-Subject` header.
    public let subject: SubjectSource
    public let body: BodyPolicy
    public let query: [FieldRule]
    public let headers: [FieldRule]

    /// The first declared route that the method and path fall under.
    public func route(method: String, segments: [String]) -> RouteTemplate? {
        routes.first { $0.matches(method: method, segments: segments) }
    }
}

/// The body kinds a purpose accepts: a request with another content type is refused (415).
public struct BodyPolicy: Sendable {
    public let json: [JSONRule]?
    public let form: [FieldRule]?
    public let multipart: [PartRule]?

    public var acceptsNoBody: Bool { json == nil && form == nil && multipart == nil }

    public var declaredMediaTypes: [String] {
        var types: [String] = []
        if json != nil { types.append("application/json") }
        if form != nil { types.append("application/x-www-form-urlencoded") }
        if multipart != nil { types.append("multipart/form-data") }
        return types
    }
}
