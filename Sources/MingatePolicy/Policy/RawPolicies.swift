/// `policies/gateway.yaml` as written: what holds across partners.
struct RawGatewayPolicy: Decodable {
    var home_country: String?
    var deny: [String]?
    var keys: RawKeys?
    var retention: String?
    var retention_id: String?
    var controller: RawController?

    static let schema = YAMLSchema.object([
        "home_country": .scalar, "deny": .list(.scalar), "retention": .scalar, "retention_id": .scalar,
        "controller": .object([
            "name": .scalar, "service": .scalar, "address": .scalar, "dpo_email": .scalar, "reply_within_days": .scalar,
        ]),
        "keys": .object(["pseudonym": .scalar, "ledger": .scalar]),
    ])
}

struct RawController: Decodable {
    var name: String?
    var service: String?
    var address: String?
    var dpo_email: String?
    var reply_within_days: Int?
}

struct RawKeys: Decodable {
    var pseudonym: String?
    var ledger: String?
}

/// `policies/categories.yaml` as written.
struct RawCategories: Decodable {
    var categories: [String: RawCategory]

    static let schema = YAMLSchema.object([
        "categories": .map(
            .object(["description": .scalar, "description_id": .scalar, "sensitive": .scalar, "personal": .scalar]))
    ])
}

struct RawCategory: Decodable {
    var description: String?
    var description_id: String?
    var sensitive: Bool?
    var personal: Bool?
}

/// `policies/callers.yaml` as written.
struct RawCallers: Decodable {
    var callers: [String: RawCaller]

    static let schema = YAMLSchema.object([
        "callers": .map(
            .object([
                "description": .scalar, "token_sha256": .scalar, "may_use": .map(.list(.scalar)), "hooks_url": .scalar,
            ]))
    ])
}

struct RawCaller: Decodable {
    var description: String?
    var token_sha256: String?
    var may_use: [String: [String]]?
    /// Where the service receives partners' hooks (`POST {hooks_url}/{partner}/{hook}`).
    var hooks_url: String?
}

/// `policies/auditors.yaml` as written: who may read the ledger over HTTP. Never the same token as a caller.
struct RawAuditors: Decodable {
    var auditors: [String: RawAuditor]

    static let schema = YAMLSchema.object([
        "auditors": .map(.object(["description": .scalar, "token_sha256": .scalar]))
    ])
}

struct RawAuditor: Decodable {
    var description: String?
    var token_sha256: String?
}
