/// Keeps the parts of a JSON document an allowlist selects, transformed as it says, and drops the rest.
///
/// A selected node is kept whole (with its transform); its ancestors are kept only as containers, without their
/// other members; arrays keep the selected elements in their original order. Member names on the deny list are
/// dropped at any depth, even inside a subtree kept whole. See `docs/allowlists.md`.
public struct JSONMinimiser: Sendable {
    public let rules: [JSONRule]
    public let deny: DenyList
    private let paths: JSONPathSet

    public init(rules: [JSONRule], deny: DenyList) {
        self.rules = rules
        self.deny = deny
        self.paths = JSONPathSet(rules.map(\.query))
        self.selectsRoot = rules.contains { $0.query.segments.isEmpty }
    }

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

    /// A node of the tree of kept paths: either selected (kept whole, with a rule) or a container on the way.
    final class KeepNode {
        var rule: JSONRule?
        var children: [PathElement: KeepNode] = [:]
    }

    public func minimise(_ document: JSONValue, with transformer: Transformer) throws(TransformFailure)
        -> Minimised<JSONValue>
    {
        let root = KeepNode()
        // One walk for all rules. The first rule that selects a node decides its transform; lint reports overlaps.
        var firstRule: [ObjectIdentifier: Int] = [:]
        paths.select(in: document) { ruleIndex, node in
            var current = root
            for element in node.path.elements {
                if let next = current.children[element] {
                    current = next
                } else {
                    let next = KeepNode()
                    current.children[element] = next
                    current = next
                }
            }
            let key = ObjectIdentifier(current)
            if let existing = firstRule[key], existing <= ruleIndex { return }
            firstRule[key] = ruleIndex
            current.rule = rules[ruleIndex]
        }
        var result = Minimised<JSONValue>(output: .object(JSONObject()), disclosed: [], withheld: [])
        if let rule = root.rule {
            result.output = try keepWhole(document, rule: rule, node: root, path: NormalizedPath(), transformer, &result)
        } else if let output = try keepContainer(document, node: root, path: NormalizedPath(), transformer, &result) {
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

    /// A container that is only on the way to selected nodes: keeps the selected children, drops the others.
    private func keepContainer(
        _ value: JSONValue, node: KeepNode, path: NormalizedPath, _ transformer: Transformer,
        _ result: inout Minimised<JSONValue>
    ) throws(TransformFailure) -> JSONValue? {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for member in object.members {
                let childPath = path.appending(.name(member.name))
                guard let child = node.children[.name(member.name)], !deny.denies(member.name) else {
                    result.withheld.append(childPath.description)
                    continue
                }
                // Member names are unique (the parser refuses duplicates): append, no lookup.
                if let rule = child.rule {
                    if let kept = try keepSelected(member.value, rule: rule, node: child, path: childPath, transformer, &result) {
                        out.append(member.name, kept)
                    }
                } else if let kept = try keepContainer(member.value, node: child, path: childPath, transformer, &result) {
                    out.append(member.name, kept)
                }
            }
            return out.isEmpty ? nil : .object(out)
        case .array(let elements):
            var out: [JSONValue] = []
            for (index, element) in elements.enumerated() {
                let childPath = path.appending(.index(index))
                guard let child = node.children[.index(index)] else {
                    result.withheld.append(childPath.description)
                    continue
                }
                if let rule = child.rule {
                    if let kept = try keepSelected(element, rule: rule, node: child, path: childPath, transformer, &result) {
                        out.append(kept)
                    }
                } else if let kept = try keepContainer(element, node: child, path: childPath, transformer, &result) {
                    out.append(kept)
                }
            }
            return out.isEmpty ? nil : .array(out)
        default:
            return nil
        }
    }

    /// A selected node below the root, or nil (and not recorded as disclosed) when denied names emptied it.
    private func keepSelected(
        _ value: JSONValue, rule: JSONRule, node: KeepNode, path: NormalizedPath, _ transformer: Transformer,
        _ result: inout Minimised<JSONValue>
    ) throws(TransformFailure) -> JSONValue? {
        let mark = result.disclosed.count
        let kept = try keepWhole(value, rule: rule, node: node, path: path, transformer, &result)
        guard Self.emptied(value, kept) else { return kept }
        result.disclosed.removeSubrange(mark...)
        return nil
    }

    /// A selected node: transformed as its rule says, or kept whole minus denied names and with any deeper rules.
    private func keepWhole(
        _ value: JSONValue, rule: JSONRule, node: KeepNode, path: NormalizedPath, _ transformer: Transformer,
        _ result: inout Minimised<JSONValue>
    ) throws(TransformFailure) -> JSONValue {
        result.disclosed.append(
            DisclosedField(path: path.description, category: rule.category, transform: rule.transform.description))
        guard case .keep = rule.transform else {
            do {
                return try transformer.apply(rule.transform, to: value)
            } catch {
                throw TransformFailure(path: path.description, transform: rule.transform, typeName: value.typeName)
            }
        }
        return try keepSubtree(value, node: node, path: path, transformer, &result)
    }

    private func keepSubtree(
        _ value: JSONValue, node: KeepNode?, path: NormalizedPath, _ transformer: Transformer,
        _ result: inout Minimised<JSONValue>
    ) throws(TransformFailure) -> JSONValue {
        switch value {
        case .object(let object):
            var out = JSONObject()
            for member in object.members {
                if deny.denies(member.name) {
                    result.withheld.append(path.appending(.name(member.name)).description)
                    continue
                }
                let child = node?.children[.name(member.name)]
                if let child, let rule = child.rule, rule.transform != .keep {
                    out.append(
                        member.name,
                        try keepWhole(member.value, rule: rule, node: child, path: path.appending(.name(member.name)), transformer, &result))
                } else if child == nil && !member.value.isContainer {
                    // A scalar with no rule of its own: kept as it is, no path needed.
                    out.append(member.name, member.value)
                } else {
                    let kept = try keepSubtree(member.value, node: child, path: path.appending(.name(member.name)), transformer, &result)
                    if !Self.emptied(member.value, kept) { out.append(member.name, kept) }
                }
            }
            return .object(out)
        case .array(let elements):
            var out: [JSONValue] = []
            out.reserveCapacity(elements.count)
            for (index, element) in elements.enumerated() {
                let childPath = path.appending(.index(index))
                let child = node?.children[.index(index)]
                if let child, let rule = child.rule, rule.transform != .keep {
                    out.append(try keepWhole(element, rule: rule, node: child, path: childPath, transformer, &result))
                } else {
                    let kept = try keepSubtree(element, node: child, path: childPath, transformer, &result)
                    if !Self.emptied(element, kept) { out.append(kept) }
                }
            }
            return .array(out)
        default:
            return value
        }
    }
}

/// A transform met a value it cannot handle; the request is refused rather than sent untransformed.
public struct TransformFailure: Error, Sendable {
    public let path: String
    public let transform: Transform
    public let typeName: String
}
