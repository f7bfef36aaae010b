/// A partner file exactly as written (`partners/<id>.yaml`): strings and lists, nothing checked yet.
/// `PolicyCompiler` turns it into a `Partner` or a list of problems.
struct RawPartner: Decodable {
    var id: String
    var name: String?
    var legal_entity: String?
    var country: String?
    var base_url: String?
    var tls: RawTLS?
    var timeouts: RawTimeouts?
    var credentials: RawCredentials?
    var erasure: RawErasure?
    var purposes: [String: RawPurpose]?
    var hooks: [String: RawHook]?

    static let schema = YAMLSchema.object([
        "id": .scalar, "name": .scalar, "legal_entity": .scalar, "country": .scalar, "base_url": .scalar,
        "tls": .object(["ca_file": .scalar, "verify": .scalar]),
        "timeouts": .object(["connect_ms": .scalar, "request_ms": .scalar]),
        "credentials": .object(["header": .scalar, "prefix": .scalar, "secret": .scalar]),
        "erasure": .object([
            "contact": .scalar, "endpoint": .object(["method": .scalar, "path": .scalar]),
        ]),
        "purposes": .map(RawPurpose.schema),
        "hooks": .map(RawHook.schema),
    ])
}

/// A call the partner makes to the platform, as written.
struct RawHook: Decodable {
    var description: String?
    var description_id: String?
    var legal_basis: String?
    var justification: String?
    var verify: RawVerify?
    var deliver_to: String?
    var subject: RawSubject?
    var body: RawHookBody?
    var headers: [RawField]?

    static let schema = YAMLSchema.object([
        "description": .scalar, "description_id": .scalar, "legal_basis": .scalar, "justification": .scalar,
        "verify": .object([
            "scheme": .scalar, "secret": .scalar, "header": .scalar, "encoding": .scalar, "prefix": .scalar,
            "window_seconds": .scalar,
        ]),
        "deliver_to": .scalar,
        "subject": .object(["json": .scalar]),
        "body": .object(["json": .list(RawPurpose.jsonRuleSchema)]),
        "headers": .list(RawPurpose.fieldSchema),
    ])
}

struct RawVerify: Decodable {
    var scheme: String?
    var secret: String?
    var header: String?
    var encoding: String?
    var prefix: String?
    var window_seconds: Int?
}

struct RawHookBody: Decodable {
    var json: [RawJSONRule]?
}

struct RawTLS: Decodable {
    var ca_file: String?
    var verify: Bool?
}

struct RawTimeouts: Decodable {
    var connect_ms: Int?
    var request_ms: Int?
}

struct RawCredentials: Decodable {
    var header: String?
    var prefix: String?
    var secret: String?
}

struct RawErasure: Decodable {
    var contact: String?
    var endpoint: RawEndpoint?
}

struct RawEndpoint: Decodable {
    var method: String?
    var path: String?
}

struct RawPurpose: Decodable {
    var description: String?
    var description_id: String?
    var legal_basis: String?
    var transfer_basis: String?
    var justification: String?
    var retention: String?
    var retention_id: String?
    var legal_request: Bool?
    var subject: RawSubject?
    var routes: [String]?
    /// The routes' `{name}` parameters, each declared like a field: what it carries and in what form it leaves.
    var path_params: [RawField]?
    var body: RawBody?
    var query: [RawField]?
    var headers: [RawField]?
    /// What the caller may get back from the partner's answer.
    var response: RawResponse?

    static let fieldSchema = YAMLSchema.object([
        "name": .scalar, "allow": .scalar, "category": .scalar, "transform": .scalar, "justification": .scalar,
    ])
    static let jsonRuleSchema = YAMLSchema.object([
        "path": .scalar, "allow": .scalar, "category": .scalar, "transform": .scalar, "justification": .scalar,
    ])
    static let schema = YAMLSchema.object([
        "description": .scalar, "description_id": .scalar, "legal_basis": .scalar, "transfer_basis": .scalar,
        "justification": .scalar, "retention": .scalar, "retention_id": .scalar, "legal_request": .scalar, "subject": .object(["header": .scalar, "json": .scalar]),
        "routes": .list(.scalar),
        "path_params": .list(fieldSchema),
        "body": .object([
            "json": .list(jsonRuleSchema),
            "form": .list(fieldSchema),
            "multipart": .list(
                .object([
                    "name": .scalar, "allow": .scalar, "category": .scalar, "transform": .scalar,
                    "justification": .scalar, "content_types": .list(.scalar), "max_bytes": .scalar,
                ])),
        ]),
        "query": .list(fieldSchema),
        "headers": .list(fieldSchema),
        "response": .object([
            "json": .list(jsonRuleSchema),
            "headers": .list(fieldSchema),
        ]),
    ])
}

struct RawResponse: Decodable {
    var json: [RawJSONRule]?
    var headers: [RawField]?
}

struct RawSubject: Decodable {
    var header: String?
    var json: String?
}

struct RawBody: Decodable {
    var json: [RawJSONRule]?
    var form: [RawField]?
    var multipart: [RawPart]?
}

struct RawJSONRule: Decodable {
    var path: String
    /// `false` lists a field without allowing it (scaffolds start that way); the default is true.
    var allow: Bool?
    var category: String?
    var transform: String?
    var justification: String?
}

struct RawField: Decodable {
    var name: String
    var allow: Bool?
    var category: String?
    var transform: String?
    var justification: String?
}

struct RawPart: Decodable {
    var name: String
    var allow: Bool?
    var category: String?
    var transform: String?
    var justification: String?
    var content_types: [String]?
    var max_bytes: Int?
}
