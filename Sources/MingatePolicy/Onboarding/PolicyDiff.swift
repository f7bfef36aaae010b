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
        for rule in purpose.pathParameters { out["path " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.query { out["query " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.response?.json ?? [] { out["response " + rule.query.text] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.response?.headers ?? [] { out["response-header " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in purpose.headers { out["header " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        return out
    }

    /// What a hook lets through to the internal service, keyed like `fields(_:)`.
    static func fields(_ hook: Hook) -> [String: Field] {
        var out: [String: Field] = [:]
        for rule in hook.json { out["body " + rule.query.text] = Field(category: rule.category, transform: rule.transform.description) }
        for rule in hook.headers { out["header " + rule.name] = Field(category: rule.category, transform: rule.transform.description) }
        return out
    }

    public init(old: PolicySet, new: PolicySet) {
        var changes: [Change] = []
        func add(_ partner: String, _ purpose: String?, _ kind: Kind, _ text: String) {
            changes.append(Change(partner: partner, purpose: purpose, kind: kind, text: text))
        }
        let oldSensitive = { (category: String) in old.categories[category]?.sensitive == true }
        let newSensitive = { (category: String) in new.categories[category]?.sensitive == true }
        /// Field by field: one added grows, one removed shrinks, a more revealing transform or a newly sensitive
        /// category grows.
        func fieldChanges(_ id: String, _ label: String, _ oldFields: [String: Field], _ newFields: [String: Field], verb: String) {
            for key in Set(oldFields.keys).union(newFields.keys).sorted() {
                switch (oldFields[key], newFields[key]) {
                case (nil, let added?):
                    add(id, label, .grows, "starts \(verb) \(key) as \(added.category)\(newSensitive(added.category) ? " (SENSITIVE)" : "") [\(added.transform)]")
                case (let removed?, nil):
                    add(id, label, .shrinks, "stops \(verb) \(key) (\(removed.category))")
                case (let before?, let after?):
                    if before.category != after.category {
                        add(id, label, newSensitive(after.category) && !oldSensitive(before.category) ? .grows : .changes,
                            "\(key): category \(before.category) → \(after.category)")
                    }
                    if before.transform != after.transform {
                        let kind: Kind = Self.strength(after.transform) > Self.strength(before.transform) ? .grows : .shrinks
                        add(id, label, kind, "\(key): transform \(before.transform) → \(after.transform)")
                    }
                case (nil, nil):
                    break
                }
            }
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
                for hook in after.hooks.values.sorted(by: { $0.id < $1.id }) {
                    let categories = Set(Self.fields(hook).values.map(\.category)).sorted()
                    add(id, "hook:" + hook.id, .grows, "new hook (\(hook.legalBasis.rawValue)), delivered to \(hook.deliverTo): collects \(categories.joined(separator: ", "))")
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
                fieldChanges(id, purposeID, Self.fields(oldPurpose), Self.fields(newPurpose), verb: "disclosing")
            }
            // Hooks: what partners send in and the platform's services receive. More of it grows what is collected.
            for hookID in Set(before.hooks.keys).union(after.hooks.keys).sorted() {
                let label = "hook:" + hookID
                guard let newHook = after.hooks[hookID] else {
                    add(id, label, .shrinks, "hook removed")
                    continue
                }
                let categories = Set(Self.fields(newHook).values.map(\.category)).sorted()
                guard let oldHook = before.hooks[hookID] else {
                    add(id, label, .grows, "new hook (\(newHook.legalBasis.rawValue)), delivered to \(newHook.deliverTo): collects \(categories.joined(separator: ", "))")
                    continue
                }
                if oldHook.deliverTo != newHook.deliverTo {
                    add(id, label, .grows, "now delivered to \(newHook.deliverTo) (was \(oldHook.deliverTo))")
                }
                if oldHook.verification != newHook.verification {
                    add(id, label, .changes, "signature \(oldHook.verification.scheme.rawValue) → \(newHook.verification.scheme.rawValue), secret \(newHook.verification.secret), window \(newHook.verification.windowSeconds) s")
                }
                if oldHook.legalBasis != newHook.legalBasis {
                    add(id, label, .changes, "legal basis \(oldHook.legalBasis.rawValue) → \(newHook.legalBasis.rawValue)")
                }
                fieldChanges(id, label, Self.fields(oldHook), Self.fields(newHook), verb: "collecting")
            }
        }
        for word in Set(old.deny.words).subtracting(new.deny.words).sorted() {
            add("policies", nil, .grows, "'\(word)' removed from the global deny list")
        }
        for word in Set(new.deny.words).subtracting(old.deny.words).sorted() {
            add("policies", nil, .shrinks, "'\(word)' added to the global deny list")
        }
        Self.callerChanges(old: old, new: new, add)
        Self.policyFileChanges(old: old, new: new, add)
        self.changes = changes
    }

    /// Who may send what where (`policies/callers.yaml`): a service that gains a purpose makes that purpose's data
    /// leave on its calls too, so it grows disclosure, with the sensitive categories named.
    static func callerChanges(old: PolicySet, new: PolicySet, _ add: (String, String?, Kind, String) -> Void) {
        struct Grant: Hashable, Comparable {
            let partner: String
            let purpose: String
            static func < (a: Grant, b: Grant) -> Bool { (a.partner, a.purpose) < (b.partner, b.purpose) }
        }
        func grants(_ policy: PolicySet) -> [String: Set<Grant>] {
            Dictionary(policy.callers.map { caller in
                (caller.id, Set(caller.mayUse.flatMap { partner, purposes in purposes.map { Grant(partner: partner, purpose: $0) } }))
            }, uniquingKeysWith: { first, _ in first })
        }
        let before = grants(old)
        let after = grants(new)
        for caller in Set(before.keys).union(after.keys).sorted() {
            let gained = (after[caller] ?? []).subtracting(before[caller] ?? [])
            let lost = (before[caller] ?? []).subtracting(after[caller] ?? [])
            if before[caller] == nil { add("callers", nil, .grows, "new caller '\(caller)'") }
            if after[caller] == nil { add("callers", nil, .shrinks, "caller '\(caller)' removed") }
            for grant in gained.sorted() {
                let categories = new.partners[grant.partner]?.purposes[grant.purpose].map { purpose in
                    Set(fields(purpose).values.map(\.category)).sorted().map { category in
                        new.categories[category]?.sensitive == true ? "\(category) (SENSITIVE)" : category
                    }
                } ?? []
                add(grant.partner, grant.purpose, .grows,
                    "caller '\(caller)' may now use it: \(categories.isEmpty ? "no categories" : categories.joined(separator: ", "))")
            }
            for grant in lost.sorted() {
                add(grant.partner, grant.purpose, .shrinks, "caller '\(caller)' may no longer use it")
            }
            if let token = new.callers.first(where: { $0.id == caller })?.tokenDigest,
                let previous = old.callers.first(where: { $0.id == caller })?.tokenDigest, token != previous
            {
                add("callers", nil, .changes, "caller '\(caller)': token changed")
            }
        }
    }

    /// The rest of `policies/` that changes what leaves or what a person is told: categories, the home country,
    /// retention, the controller, auditors, key references.
    static func policyFileChanges(old: PolicySet, new: PolicySet, _ add: (String, String?, Kind, String) -> Void) {
        if old.homeCountry != new.homeCountry {
            add("policies", nil, .grows, "home country \(old.homeCountry) → \(new.homeCountry): transfer checks now measure from there")
        }
        for id in Set(old.categories.keys).union(new.categories.keys).sorted() {
            switch (old.categories[id], new.categories[id]) {
            case (nil, let added?):
                add("categories", nil, .changes, "new category \(id)\(added.sensitive ? " (SENSITIVE)" : "")")
            case (_?, nil):
                add("categories", nil, .changes, "category \(id) removed")
            case (let before?, let after?):
                if before.sensitive && !after.sensitive {
                    add("categories", nil, .grows, "\(id) is no longer sensitive: partners may receive it without a justification")
                } else if !before.sensitive && after.sensitive {
                    add("categories", nil, .shrinks, "\(id) is now sensitive")
                }
                if before.personal && !after.personal {
                    add("categories", nil, .grows, "\(id) is no longer personal: requests disclosing it need not name a subject")
                } else if !before.personal && after.personal {
                    add("categories", nil, .changes, "\(id) is now personal data")
                }
            case (nil, nil):
                break
            }
        }
        if old.defaultRetention != new.defaultRetention {
            add("policies", nil, .changes, "default retention '\(old.defaultRetention)' → '\(new.defaultRetention)'")
        }
        if old.controller != new.controller { add("policies", nil, .changes, "the controller named in access reports changed") }
        let oldAuditors = Set(old.auditors.map(\.id))
        let newAuditors = Set(new.auditors.map(\.id))
        for id in newAuditors.subtracting(oldAuditors).sorted() { add("auditors", nil, .changes, "new auditor '\(id)' may read the ledger") }
        for id in oldAuditors.subtracting(newAuditors).sorted() { add("auditors", nil, .changes, "auditor '\(id)' removed") }
        if old.pseudonymKey != new.pseudonymKey || old.ledgerKey != new.ledgerKey {
            add("policies", nil, .changes, "key references changed (keys.pseudonym / keys.ledger)")
        }
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
