/// The record of processing activities (GDPR Art. 30, UU PDP Pasal 31) for disclosures to partners, generated
/// from the enforced policy, so it cannot drift from what the gateway does.
public struct ProcessingRecord: Sendable {
    public struct Row: Sendable {
        public let partner: String
        public let recipient: String
        public let country: String
        public let purpose: String
        public let description: String
        public let legalBasis: String
        public let transferBasis: String
        public let categories: [String]
        public let sensitiveCategories: [String]
        public let retention: String
        public let erasure: String
        /// The partner's routes this purpose may call, like `POST /v2/charge`.
        public let routes: [String]
        /// Everything that may leave for this purpose, sorted by where it sits: `body $['a']`, `query NAME`,
        /// `header NAME`, `form NAME`, `part NAME`; each with its category and the transform applied.
        public let fields: [Field]
    }

    public struct Field: Sendable {
        public let field: String
        public let category: String
        public let sensitive: Bool
        public let transform: String
    }

    /// What partners send the platform through their hooks, and which internal service receives it.
    public struct Collection: Sendable {
        public let partner: String
        public let source: String
        public let country: String
        public let hook: String
        public let description: String
        public let legalBasis: String
        public let deliveredTo: String
        public let verification: String
        public let categories: [String]
        public let fields: [Field]
    }

    public let rows: [Row]
    public let collections: [Collection]
    public let policyVersion: String
    /// Where the data stays without a transfer basis (`home_country` in policies/gateway.yaml).
    public let homeCountry: String

    public init(_ policy: PolicySet) {
        var rows: [Row] = []
        for partner in policy.partners.values.sorted(by: { $0.id < $1.id }) {
            for purpose in partner.purposes.values.sorted(by: { $0.id < $1.id }) {
                let categories = Set(PolicyDiff.fields(purpose).values.map(\.category)).sorted()
                let erasure: String = switch partner.erasure {
                case .endpoint(let method, let path): "API: \(method) \(path)"
                case .contact(let contact): "notice to \(contact)"
                case .none: "none stated"
                }
                rows.append(
                    Row(
                        partner: partner.id, recipient: partner.legalEntity, country: partner.country, purpose: purpose.id,
                        description: purpose.description, legalBasis: purpose.legalBasis.rawValue,
                        transferBasis: partner.country == policy.homeCountry ? "not a transfer (\(policy.homeCountry))" : purpose.transferBasis?.rawValue ?? "NONE",
                        categories: categories, sensitiveCategories: categories.filter { policy.categories[$0]?.sensitive == true },
                        retention: purpose.retention ?? policy.defaultRetention, erasure: erasure,
                        routes: purpose.routes.map(\.description),
                        fields: PolicyDiff.fields(purpose).sorted { $0.key < $1.key }.map { field, rule in
                            Field(
                                field: field, category: rule.category, sensitive: policy.categories[rule.category]?.sensitive == true,
                                transform: rule.transform)
                        }))
            }
        }
        self.rows = rows
        var collections: [Collection] = []
        for partner in policy.partners.values.sorted(by: { $0.id < $1.id }) {
            for hook in partner.hooks.values.sorted(by: { $0.id < $1.id }) {
                let fields = PolicyDiff.fields(hook).sorted { $0.key < $1.key }
                collections.append(
                    Collection(
                        partner: partner.id, source: partner.legalEntity, country: partner.country, hook: hook.id,
                        description: hook.description, legalBasis: hook.legalBasis.rawValue, deliveredTo: hook.deliverTo,
                        verification: hook.verification.scheme.rawValue, categories: Set(fields.map(\.value.category)).sorted(),
                        fields: fields.map { field, rule in
                            Field(field: field, category: rule.category, sensitive: policy.categories[rule.category]?.sensitive == true, transform: rule.transform)
                        }))
            }
        }
        self.collections = collections
        self.policyVersion = policy.version
        self.homeCountry = policy.homeCountry
    }

    public var markdown: String {
        var out = "# Record of processing activities: disclosures to third parties\n\n"
        out += "Generated by `mingate report processing` from the policies the gateway enforces (policy version `\(policyVersion.prefix(16))`). "
        out += "Each row is one purpose for which one recipient receives personal data; nothing else is sent to it.\n\n"
        out += "| recipient | country | purpose | legal basis | transfer basis | categories of data | retention | erasure |\n"
        out += "|---|---|---|---|---|---|---|---|\n"
        for row in rows {
            let categories = row.categories.map { row.sensitiveCategories.contains($0) ? "**\($0)** (specific)" : $0 }.joined(separator: ", ")
            out += "| \(row.recipient) (`\(row.partner)`) | \(row.country) | \(row.purpose): \(row.description) | \(row.legalBasis) | \(row.transferBasis) | \(categories) | \(row.retention) | \(row.erasure) |\n"
        }
        if !collections.isEmpty {
            out += "\n## Data collected from partners (hooks)\n\n"
            out += "Each row is one kind of call a partner makes to the platform; only these categories reach the service named.\n\n"
            out += "| source | country | hook | legal basis | delivered to | proof of sender | categories of data |\n"
            out += "|---|---|---|---|---|---|---|\n"
            for hook in collections {
                out += "| \(hook.source) (`\(hook.partner)`) | \(hook.country) | \(hook.hook): \(hook.description) | \(hook.legalBasis) | \(hook.deliveredTo) | \(hook.verification) | \(hook.categories.joined(separator: ", ")) |\n"
            }
        }
        return out
    }

    public var csv: String {
        var lines = ["direction,partner,recipient,country,purpose,description,legal_basis,transfer_basis,categories,sensitive_categories,retention,erasure"]
        for row in rows {
            lines.append(["disclosed", row.partner, row.recipient, row.country, row.purpose, row.description, row.legalBasis, row.transferBasis,
                row.categories.joined(separator: " "), row.sensitiveCategories.joined(separator: " "), row.retention, row.erasure]
                .map(CSV.field).joined(separator: ","))
        }
        // A hook's row: the partner is the source, the purpose is the hook, the recipient the internal service.
        for hook in collections {
            lines.append(["collected", hook.partner, hook.deliveredTo, hook.country, "hook:" + hook.hook, hook.description, hook.legalBasis, "",
                hook.categories.joined(separator: " "), hook.fields.filter(\.sensitive).map(\.category).joined(separator: " "), "", ""]
                .map(CSV.field).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The same rows as JSON, for the auditors' console (`GET /audit/policy`).
    public var json: JSONValue {
        func strings(_ values: [String]) -> JSONValue { .array(values.map { .string($0) }) }
        return .object(JSONObject([
            ("policy_version", .string(policyVersion)), ("home_country", .string(homeCountry)),
            ("purposes", .array(rows.map { row in
                .object(JSONObject([
                    ("partner", .string(row.partner)), ("recipient", .string(row.recipient)), ("country", .string(row.country)),
                    ("purpose", .string(row.purpose)), ("description", .string(row.description)),
                    ("legal_basis", .string(row.legalBasis)), ("transfer_basis", .string(row.transferBasis)),
                    ("categories", strings(row.categories)), ("sensitive_categories", strings(row.sensitiveCategories)),
                    ("retention", .string(row.retention)), ("erasure", .string(row.erasure)), ("routes", strings(row.routes)),
                    ("fields", .array(row.fields.map { field in
                        .object(JSONObject([
                            ("field", .string(field.field)), ("category", .string(field.category)),
                            ("sensitive", .bool(field.sensitive)), ("transform", .string(field.transform)),
                        ]))
                    })),
                ]))
            })),
            ("hooks", .array(collections.map { hook in
                .object(JSONObject([
                    ("partner", .string(hook.partner)), ("source", .string(hook.source)), ("country", .string(hook.country)),
                    ("hook", .string(hook.hook)), ("description", .string(hook.description)),
                    ("legal_basis", .string(hook.legalBasis)), ("delivered_to", .string(hook.deliveredTo)),
                    ("verification", .string(hook.verification)), ("categories", strings(hook.categories)),
                    ("fields", .array(hook.fields.map { field in
                        .object(JSONObject([
                            ("field", .string(field.field)), ("category", .string(field.category)),
                            ("sensitive", .bool(field.sensitive)), ("transform", .string(field.transform)),
                        ]))
                    })),
                ]))
            })),
        ]))
    }
}
