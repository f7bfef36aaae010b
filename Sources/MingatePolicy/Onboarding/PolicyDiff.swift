/// What a policy change starts or stops disclosing, per partner and purpose, and whether disclosure grows.
public struct PolicyDiff: Sendable {
    public enum Kind: String, Sendable {
        /// Something more leaves, or leaves in a more revealing form.
        case grows
        /// Something less leaves.
        case shrinks
        /// A change an approver should see that neither adds nor removes data (a legal basis, a route removed…).
        case changes
    }

    public struct Change: Sendable, Equatable, CustomStringConvertible {
        public let partner: String
        public let purpose: String?
        public let kind: Kind
        public let text: String
        public var description: String { "[\(kind.rawValue)] \(partner)\(purpose.map { "/" + $0 } ?? ""): \(text)" }

        public static func == (lhs: Change, rhs: Change) -> Bool { lhs.description == rhs.description }
    }

    public let changes: [Change]
    public var grows: Bool { changes.contains { $0.kind == .grows } }

    /// How much of a value a transform lets through; a higher number reveals more.
    static func strength(_ transform: String) -> Int {
        switch transform {
        case "keep": 5
        case _ where transform.hasPrefix("truncate"): 4
        case "year-month": 3
        case "year", "card": 2
        default: 1  // mask, pseudonym
        }
    }

    struct Field: Hashable {
        let category: String
        let transform: String
    }

    static func fields(_ purpose: Purpose) -> [String: Field] {
        var out: [String: Field] = [:]
        for rule in purpose.body.json ?? [] { out["body " + rule.query.text] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.body.form ?? [] { out["form " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.body.multipart ?? [] { out["part " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.query { out["query " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.headers { out["header " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        return out
    }

    public init(old: PolicySet, new: PolicySet) {
        var changes: [Change] = []
        func add(_ partner: String, _ purpose: String?, _ kind: Kind, _ text: String) {
            changes.append(Change(partner: partner, purpose: purpose, kind: kind, text: text))
        }
        for id in Set(old.partners.keys).union(new.partners.keys).sorted() {
            guard let after = new.partners[id] else {
                add(id, nil, .shrinks, "partner removed")
                continue
            }
            guard let before = old.partners[id] else {
                add(id, nil, .grows, "new partner: \(after.legalEntity), \(after.country)")
                for purpose in after.purposes.values.sorted(by: { $0.id < $1.id }) {
                    let categories = Set(Self.fields(purpose).values.map(\.category)).sorted()
                    add(id, purpose.id, .grows, "new purpose (\(purpose.legalBasis.rawValue)): \(categories.joined(separator: ", "))")
                }
                continue
            }
            if before.country != after.country { add(id, nil, .grows, "country \(before.country) → \(after.country)") }
            if before.legalEntity != after.legalEntity { add(id, nil, .changes, "legal entity \(before.legalEntity) → \(after.legalEntity)") }
            if before.baseURL != after.baseURL { add(id, nil, .changes, "base URL \(before.baseURL) → \(after.baseURL)") }
            for purposeID in Set(before.purposes.keys).union(after.purposes.keys).sorted() {
                guard let newPurpose = after.purposes[purposeID] else {
                    add(id, purposeID, .shrinks, "purpose removed")
                    continue
                }
                guard let oldPurpose = before.purposes[purposeID] else {
                    let categories = Set(Self.fields(newPurpose).values.map(\.category)).sorted()
                    add(id, purposeID, .grows, "new purpose (\(newPurpose.legalBasis.rawValue)): \(categories.joined(separator: ", "))")
                    continue
                }
                if oldPurpose.legalBasis != newPurpose.legalBasis {
                    add(id, purposeID, .changes, "legal basis \(oldPurpose.legalBasis.rawValue) → \(newPurpose.legalBasis.rawValue)")
                }
                if oldPurpose.transferBasis != newPurpose.transferBasis {
                    add(id, purposeID, .changes, "transfer basis \(oldPurpose.transferBasis?.rawValue ?? "none") → \(newPurpose.transferBasis?.rawValue ?? "none")")
                }
                let oldRoutes = Set(oldPurpose.routes.map(\.description))
                let newRoutes = Set(newPurpose.routes.map(\.description))
                for route in newRoutes.subtracting(oldRoutes).sorted() { add(id, purposeID, .grows, "new route \(route)") }
                for route in oldRoutes.subtracting(newRoutes).sorted() { add(id, purposeID, .changes, "route removed: \(route)") }
                let oldFields = Self.fields(oldPurpose)
                let newFields = Self.fields(newPurpose)
                let oldSensitive = { (category: String) in old.categories[category]?.sensitive == true }
                let newSensitive = { (category: String) in new.categories[category]?.sensitive == true }
                for key in Set(oldFields.keys).union(newFields.keys).sorted() {
                    switch (oldFields[key], newFields[key]) {
                    case (nil, let added?):
                        add(id, purposeID, .grows, "starts disclosing \(key) as \(added.category)\(newSensitive(added.category) ? " (SENSITIVE)" : "") [\(added.transform)]")
                    case (let removed?, nil):
                        add(id, purposeID, .shrinks, "stops disclosing \(key) (\(removed.category))")
                    case (let before?, let after?):
                        if before.category != after.category {
                            add(id, purposeID, newSensitive(after.category) && !oldSensitive(before.category) ? .grows : .changes,
                                "\(key): category \(before.category) → \(after.category)")
                        }
                        if before.transform != after.transform {
                            let kind: Kind = Self.strength(after.transform) > Self.strength(before.transform) ? .grows : .shrinks
                            add(id, purposeID, kind, "\(key): transform \(before.transform) → \(after.transform)")
                        }
                    case (nil, nil):
                        break
                    }
                }
            }
        }
        for word in Set(old.deny.words).subtracting(new.deny.words).sorted() {
            add("policies", nil, .grows, "'\(word)' removed from the global deny list")
        }
        self.changes = changes
    }

    public var text: String {
        guard !changes.isEmpty else { return "no change in what is disclosed\n" }
        return changes.map(\.description).joined(separator: "\n") + "\n" + (grows ? "disclosure GROWS\n" : "disclosure does not grow\n")
    }

    /// For a pull-request comment.
    public var markdown: String {
        guard !changes.isEmpty else { return "**Mingate policy diff:** no change in what is disclosed.\n" }
        var out = "### Mingate policy diff: \(grows ? "⚠️ disclosure grows" : "disclosure does not grow")\n\n"
        out += "| | partner | purpose | change |\n|---|---|---|---|\n"
        for change in changes {
            let mark = switch change.kind {
            case .grows: "➕ grows"
            case .shrinks: "➖ shrinks"
            case .changes: "✏️ changes"
            }
            out += "| \(mark) | `\(change.partner)` | \(change.purpose.map { "`\($0)`" } ?? "") | \(change.text.replacingOccurrences(of: "|", with: "\\|")) |\n"
        }
        return out
    }
}
