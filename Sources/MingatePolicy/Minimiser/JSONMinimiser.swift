/// Keeps the parts of a JSON document an allowlist selects, transformed as it says, and drops the rest.
///
/// A selected node is kept whole (with its transform); its ancestors are kept only as containers, without their
/// other members; arrays keep the selected elements in their original order. Member names on the deny list are
/// dropped at any depth, even inside a subtree kept whole. See `docs/allowlists.md`.
///
/// An allowlist of plain paths (names, indexes, wildcards: nearly every partner file) is compiled once into an
/// `AllowPlan` and the document is walked along it. Any other allowlist is evaluated per document by `JSONPathSet`
/// into a tree of the nodes it selects, and walked the same way: one walk, two ways of knowing what is selected.
public struct JSONMinimiser: Sendable {
    public let rules: [JSONRule]
    public let deny: DenyList
    private let paths: JSONPathSet
    private let plan: AllowPlan?

    public init(rules: [JSONRule], deny: DenyList) {
        self.init(rules: rules, deny: deny, compiling: true)
    }

    /// `compiling: false` always evaluates the queries per document (tests compare the two).
    init(rules: [JSONRule], deny: DenyList, compiling: Bool) {
        self.rules = rules
        self.deny = deny
        self.paths = JSONPathSet(rules.map(\.query))
        self.plan = compiling ? AllowPlan.compile(rules) : nil
        self.selectsRoot = rules.contains { $0.query.segments.isEmpty }
    }

    /// Whether the allowlist compiled into a plan (every rule a plain path).
    var isCompiled: Bool { plan != nil }

    /// Whether a rule selects the document itself (`$`): only then may a body be a bare string, number or literal.
    public let selectsRoot: Bool

    /// Whether keeping emptied a container that had members: it is dropped (not sent as `{}` or `[]`), because
    /// everything in it was withheld and an empty shell would still tell the partner that it was there.
    static func emptied(_ original: JSONValue, _ kept: JSONValue) -> Bool {
        switch (original, kept) {
        case (.object(let before), .object(let after)): !before.isEmpty && after.isEmpty
        case (.array(let before), .array(let after)): !before.isEmpty && after.isEmpty
        default: false
        }
    }

    public func minimise(_ document: JSONValue, with transformer: Transformer) throws(TransformFailure)
        -> Minimised<JSONValue>
    {
        if let plan { return try minimise(document, along: plan, transformer) }
        return try minimise(document, along: selectedTree(document), transformer)
    }

    /// The nodes the queries select in `document`, as a tree of their paths. The first rule that selects a node
    /// decides its transform; lint reports overlaps.
    private func selectedTree(_ document: JSONValue) -> SelectedNode {
        let root = SelectedNode()
        var firstRule: [ObjectIdentifier: Int] = [:]
        paths.select(in: document) { ruleIndex, node in
            var current = root
            for element in node.path.elements {
                if let next = current.children[element] {
                    current = next
                } else {
                    let next = SelectedNode()
                    current.children[element] = next
                    current = next
                }
            }
            let key = ObjectIdentifier(current)
            if let existing = firstRule[key], existing <= ruleIndex { return }
            firstRule[key] = ruleIndex
            current.rule = rules[ruleIndex]
        }
        return root
    }

    private func minimise<Tree: KeepTree>(_ document: JSONValue, along root: Tree, _ transformer: Transformer)
        throws(TransformFailure) -> Minimised<JSONValue>
    {
        var walk = Walk(deny: deny, transformer: transformer)
        var result = Minimised<JSONValue>(output: .object(JSONObject()), disclosed: [], withheld: [])
        var selected = false
        if let rule = root.rule {
            result.output = try walk.keepWhole(document, rule: rule, node: root, &result)
        } else if let output = try walk.keepContainer(document, node: root, &result, selected: &selected) {
            result.output = output
        } else {
            // Nothing selected, or all of it withheld: the root keeps its kind, emptied (`{}` or `[]`). A bare
            // scalar reaches here only if the edge let it (it refuses one that no `$` rule selects).
            result.output = document.isContainer ? Self.empty(like: document) : .object(JSONObject())
            if !document.isContainer { result.withheld.append("$") }
        }
        return result
    }

    static func empty(like value: JSONValue) -> JSONValue {
        if case .array = value { return .array([]) }
        return .object(JSONObject())
    }

    /// One walk of a document: the path so far, and what the walk keeps, transforms and records.
    private struct Walk {
        let deny: DenyList
        let transformer: Transformer
        var path = NormalizedPathBuilder()

        /// A container on the way to selected nodes: keeps the selected children, drops the others. `selected`
        /// becomes true when a node at or below it is selected; a child with nothing selected below it is withheld
        /// whole, as one path (a plan names paths the document may not have).
        mutating func keepContainer<Tree: KeepTree>(
            _ value: JSONValue, node: Tree, _ result: inout Minimised<JSONValue>, selected: inout Bool
        ) throws(TransformFailure) -> JSONValue? {
            switch value {
            case .object(let object):
                var out = JSONObject()
                for member in object.members {
                    let mark = path.push(name: member.name)
                    defer { path.pop(to: mark) }
                    guard let child = node.child(named: member.name), !deny.denies(member.name) else {
                        result.withheld.append(path.text)
                        continue
                    }
                    // Member names are unique (the parser refuses duplicates): append, no lookup.
                    if let kept = try keepChild(member.value, node: child, &result, selected: &selected) {
                        out.append(member.name, kept)
                    }
                }
                return out.isEmpty ? nil : .object(out)
            case .array(let elements):
                var out: [JSONValue] = []
                for (index, element) in elements.enumerated() {
                    let mark = path.push(index: index)
                    defer { path.pop(to: mark) }
                    guard let child = node.child(at: index) else {
                        result.withheld.append(path.text)
                        continue
                    }
                    if let kept = try keepChild(element, node: child, &result, selected: &selected) {
                        out.append(kept)
                    }
                }
                return out.isEmpty ? nil : .array(out)
            default:
                return nil
            }
        }

        /// A member or element the tree names, at `path`.
        private mutating func keepChild<Tree: KeepTree>(
            _ value: JSONValue, node: Tree, _ result: inout Minimised<JSONValue>, selected: inout Bool
        ) throws(TransformFailure) -> JSONValue? {
            if let rule = node.rule {
                selected = true
                return try keepSelected(value, rule: rule, node: node, &result)
            }
            let mark = result.withheld.count
            var below = false
            let kept = try keepContainer(value, node: node, &result, selected: &below)
            guard below else {
                result.withheld.removeSubrange(mark...)
                result.withheld.append(path.text)
                return nil
            }
            selected = true
            return kept
        }

        /// A selected node below the root, or nil (and not recorded as disclosed) when denied names emptied it.
        private mutating func keepSelected<Tree: KeepTree>(
            _ value: JSONValue, rule: JSONRule, node: Tree, _ result: inout Minimised<JSONValue>
        ) throws(TransformFailure) -> JSONValue? {
            let mark = result.disclosed.count
            let kept = try keepWhole(value, rule: rule, node: node, &result)
            guard JSONMinimiser.emptied(value, kept) else { return kept }
            result.disclosed.removeSubrange(mark...)
            return nil
        }

        /// A selected node: transformed as its rule says, or kept whole minus denied names and with any deeper rules.
        mutating func keepWhole<Tree: KeepTree>(
            _ value: JSONValue, rule: JSONRule, node: Tree, _ result: inout Minimised<JSONValue>
        ) throws(TransformFailure) -> JSONValue {
            result.disclosed.append(DisclosedField(path: path.text, category: rule.category, transform: rule.transform.description))
            guard case .keep = rule.transform else {
                do {
                    return try transformer.apply(rule.transform, to: value)
                } catch {
                    throw TransformFailure(path: path.text, transform: rule.transform, typeName: value.typeName)
                }
            }
            return try keepSubtree(value, node: node, &result)
        }

        private mutating func keepSubtree<Tree: KeepTree>(
            _ value: JSONValue, node: Tree?, _ result: inout Minimised<JSONValue>
        ) throws(TransformFailure) -> JSONValue {
            switch value {
            case .object(let object):
                var out = JSONObject()
                for member in object.members {
                    let child = node?.child(named: member.name)
                    if child == nil && !member.value.isContainer {
                        // A scalar with no rule of its own: kept as it is unless denied, its path only if withheld.
                        if deny.denies(member.name) {
                            let mark = path.push(name: member.name)
                            result.withheld.append(path.text)
                            path.pop(to: mark)
                        } else {
                            out.append(member.name, member.value)
                        }
                        continue
                    }
                    let mark = path.push(name: member.name)
                    defer { path.pop(to: mark) }
                    if deny.denies(member.name) {
                        result.withheld.append(path.text)
                        continue
                    }
                    if let child, let rule = child.rule, rule.transform != .keep {
                        out.append(member.name, try keepWhole(member.value, rule: rule, node: child, &result))
                    } else {
                        let kept = try keepSubtree(member.value, node: child, &result)
                        if !JSONMinimiser.emptied(member.value, kept) { out.append(member.name, kept) }
                    }
                }
                return .object(out)
            case .array(let elements):
                var out: [JSONValue] = []
                out.reserveCapacity(elements.count)
                for (index, element) in elements.enumerated() {
                    let mark = path.push(index: index)
                    defer { path.pop(to: mark) }
                    let child = node?.child(at: index)
                    if let child, let rule = child.rule, rule.transform != .keep {
                        out.append(try keepWhole(element, rule: rule, node: child, &result))
                    } else {
                        let kept = try keepSubtree(element, node: child, &result)
                        if !JSONMinimiser.emptied(element, kept) { out.append(kept) }
                    }
                }
                return .array(out)
            default:
                return value
            }
        }
    }
}

/// What a walk asks of the selected paths: the rule at a node, and the node of a member or element, if any.
protocol KeepTree {
    var rule: JSONRule? { get }
    func child(named name: String) -> Self?
    func child(at index: Int) -> Self?
}

extension AllowPlan: KeepTree {}

/// A node of the tree of paths the queries selected in one document: selected (with its rule) or on the way.
/// A node exists only where something at or below it was selected.
final class SelectedNode: KeepTree {
    var rule: JSONRule?
    var children: [PathElement: SelectedNode] = [:]

    func child(named name: String) -> SelectedNode? { children[.name(name)] }
    func child(at index: Int) -> SelectedNode? { children[.index(index)] }
}

/// A transform met a value it cannot handle; the request is refused rather than sent untransformed.
public struct TransformFailure: Error, Sendable {
    public let path: String
    public let transform: Transform
    public let typeName: String
}
