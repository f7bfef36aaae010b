/// One stated purpose a partner receives data for, and everything it may receive for it.
public struct Purpose: Sendable {
    public let id: String
    public let description: String
    /// The description in Bahasa Indonesia (`description_id`), for the person's access report.
    public let descriptionID: String?
    public let legalBasis: LegalBasis
    public let transferBasis: TransferBasis?
    /// How long the partner may keep what it receives, as the contract says; the gateway's default otherwise.
    public let retention: String?
    public let retentionID: String?
    /// A request from an authority (law enforcement, a court): each call must carry its legal reference
    /// (`X-Mingate-Legal-Reference`: case number, document id), which the ledger records.
    public let legalRequest: Bool
    /// Whether the body rules can disclose personal data.
    public let personalBody: Bool
    /// Whether the query, header or path parameter rules can disclose personal data (any request may carry them).
    public let personalFields: Bool

    /// Whether a request must name its data subject: when what it can disclose is personal (its query and headers
    /// always; its body only when it has one), or when the legal basis is the person's consent. A `GET` that sends
    /// only an order reference needs no subject even when the purpose's POST carries an e-mail.
    public func requiresSubject(hasBody: Bool) -> Bool {
        legalBasis == .consent || personalFields || (hasBody && personalBody)
    }
    public let routes: [RouteTemplate]
    /// Where the request names its data subject; the default is the `X-Mingate-Subject` header.
    public let subject: SubjectSource
    public let body: BodyPolicy
    /// The routes' `{name}` parameters: every one a route uses is declared here, and leaves transformed.
    public let pathParameters: [FieldRule]
    public let query: [FieldRule]
    public let headers: [FieldRule]
    /// The partner's answer as the caller may receive it; nil: relayed whole (lint warns).
    public let response: ResponsePolicy?

    /// The first declared route that the method and path fall under.
    public func route(method: String, segments: [String]) -> RouteTemplate? {
        routes.first { $0.matches(method: method, segments: segments) }
    }
}

/// What may come back through the gate from a partner's answer: a JSON allowlist for its body and a list of its
/// headers. Everything else in the answer is withheld from the caller; the outcome records what was received.
public struct ResponsePolicy: Sendable {
    public let json: [JSONRule]
    public let headers: [FieldRule]
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
