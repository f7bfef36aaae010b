/// An allowlist compiled once, when the policy loads, into a tree of the paths it names: member names, array
/// indexes and wildcards, each node carrying the rule that selects it. Walking a document along it costs a lookup
/// per member, where evaluating the queries costs a set of states per node and a tree of kept paths per request.
///
/// Only plain paths compile: every segment a child segment with one selector, a name, a non-negative index or a
/// wildcard, and no node reached both by a wildcard and by a name or index (`$.a[*]` beside `$.a[0].b`). Anything
/// else (filters, slices, descendants, unions, negative indexes) is evaluated by `JSONPathSet` per document.
final class AllowPlan: Sendable {
    /// The first rule (in allowlist order) that selects this node, if any.
    let rule: JSONRule?
    let names: [(name: String, node: AllowPlan)]
    /// The same names hashed, when there are more than a scan should go through for every member of a large object.
    private let nameIndex: [ExactName: AllowPlan]?
    let indexes: [(index: Int, node: AllowPlan)]
    private let indexIndex: [Int: AllowPlan]?
    /// Every member or element (`*`, `[*]`).
    let any: AllowPlan?

    static let scanLimit = 8

    private init(rule: JSONRule?, names: [(name: String, node: AllowPlan)], indexes: [(index: Int, node: AllowPlan)], any: AllowPlan?) {
        self.rule = rule
        self.names = names
        self.nameIndex = names.count > Self.scanLimit
            ? Dictionary(names.map { (ExactName($0.name), $0.node) }, uniquingKeysWith: { first, _ in first }) : nil
        self.indexes = indexes
        self.indexIndex = indexes.count > Self.scanLimit
            ? Dictionary(indexes.map { ($0.index, $0.node) }, uniquingKeysWith: { first, _ in first }) : nil
        self.any = any
    }

    /// The plan of `rules`, or nil when one of them is not a plain path.
    static func compile(_ rules: [JSONRule]) -> AllowPlan? {
        let root = Draft()
        for rule in rules {
            var node = root
            for segment in rule.query.segments {
                guard case .child(let selectors) = segment, selectors.count == 1 else { return nil }
                switch selectors[0] {
                case .name(let name):
                    node = node.child(.name(name))
                case .index(let index) where index >= 0:
                    node = node.child(.index(index))
                case .wildcard:
                    node = node.wildcard()
                default:
                    return nil
                }
            }
            // The first rule that selects a node decides its transform, as in `JSONMinimiser`'s general walk.
            if node.rule == nil { node.rule = rule }
        }
        return root.freeze()
    }

    /// The node for member `name` of an object.
    @inline(__always)
    func child(named name: String) -> AllowPlan? {
        if let nameIndex { return nameIndex[ExactName(name)] ?? any }
        for entry in names where ExactName.equal(entry.name, name) { return entry.node }
        return any
    }

    /// The node for element `index` of an array.
    @inline(__always)
    func child(at index: Int) -> AllowPlan? {
        if let indexIndex { return indexIndex[index] ?? any }
        for entry in indexes where entry.index == index { return entry.node }
        return any
    }

    /// The tree while rules are added to it.
    private final class Draft {
        var rule: JSONRule?
        var children: [(element: PathElement, node: Draft)] = []
        var any: Draft?

        func child(_ element: PathElement) -> Draft {
            if let existing = children.first(where: { $0.element == element }) { return existing.node }
            let node = Draft()
            children.append((element, node))
            return node
        }

        func wildcard() -> Draft {
            if let any { return any }
            let node = Draft()
            any = node
            return node
        }

        /// nil when a wildcard shares a node with names or indexes: which rule wins there depends on the document.
        func freeze() -> AllowPlan? {
            if any != nil && !children.isEmpty { return nil }
            var names: [(name: String, node: AllowPlan)] = []
            var indexes: [(index: Int, node: AllowPlan)] = []
            for (element, draft) in children {
                guard let node = draft.freeze() else { return nil }
                switch element {
                case .name(let name): names.append((name, node))
                case .index(let index): indexes.append((index, node))
                }
            }
            var anyNode: AllowPlan?
            if let any {
                guard let node = any.freeze() else { return nil }
                anyNode = node
            }
            return AllowPlan(rule: rule, names: names, indexes: indexes, any: anyNode)
        }
    }
}
