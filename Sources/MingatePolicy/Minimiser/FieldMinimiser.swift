/// Keeps the named fields an allowlist allows (query parameters, form fields, headers) and drops the rest.
public struct FieldMinimiser: Sendable {
    public let rules: [FieldRule]
    public let deny: DenyList
    /// Header names compare case-insensitively; form and query names exactly.
    public let caseInsensitive: Bool
    /// Prefix for recorded paths: `query`, `form` or `header`.
    public let kind: String

    private let byName: [String: FieldRule]

    public init(rules: [FieldRule], deny: DenyList, caseInsensitive: Bool, kind: String) {
        self.rules = rules
        self.deny = deny
        self.caseInsensitive = caseInsensitive
        self.kind = kind
        var byName: [String: FieldRule] = [:]
        for rule in rules where byName[caseInsensitive ? rule.name.lowercased() : rule.name] == nil {
            byName[caseInsensitive ? rule.name.lowercased() : rule.name] = rule
        }
        self.byName = byName
    }

    public func minimise(_ fields: [(name: String, value: String)], with transformer: Transformer)
        throws(TransformFailure) -> Minimised<[(name: String, value: String)]>
    {
        var result = Minimised<[(name: String, value: String)]>(output: [], disclosed: [], withheld: [])
        for field in fields {
            let key = caseInsensitive ? field.name.lowercased() : field.name
            let path = "\(kind):\(key)"
            guard let rule = byName[key], !deny.denies(field.name) else {
                if !result.withheld.contains(path) { result.withheld.append(path) }
                continue
            }
            let value: String
            do {
                value = try transformer.apply(rule.transform, toText: field.value)
            } catch {
                throw TransformFailure(path: path, transform: rule.transform, typeName: "string")
            }
            result.output.append((field.name, value))
            let disclosed = DisclosedField(path: path, category: rule.category, transform: rule.transform.description)
            if !result.disclosed.contains(disclosed) { result.disclosed.append(disclosed) }
        }
        return result
    }
}
