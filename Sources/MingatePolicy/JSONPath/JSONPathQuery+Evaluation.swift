extension JSONPathQuery {
    /// The nodelist this query selects from `root`, each node with its normalized path.
    public func select(in root: JSONValue) -> [JSONNode] {
        var nodes = [JSONNode(value: root, path: NormalizedPath())]
        for segment in segments {
            nodes = Evaluator(root: root).apply(segment, to: nodes)
        }
        return nodes
    }
}

/// The result of a value-typed expression: a JSON value, or Nothing (nil).
typealias ValueResult = JSONValue?

struct Evaluator {
    let root: JSONValue

    func apply(_ segment: Segment, to nodes: [JSONNode]) -> [JSONNode] {
        var out: [JSONNode] = []
        switch segment {
        case .child(let selectors):
            for node in nodes {
                for selector in selectors { select(selector, from: node, into: &out) }
            }
        case .descendant(let selectors):
            for node in nodes { descend(node, selectors, into: &out) }
        }
        return out
    }

    private func descend(_ node: JSONNode, _ selectors: [Selector], into out: inout [JSONNode]) {
        for selector in selectors { select(selector, from: node, into: &out) }
        switch node.value {
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                descend(JSONNode(value: element, path: node.path.appending(.index(index))), selectors, into: &out)
            }
        case .object(let object):
            for member in object.members {
                descend(
                    JSONNode(value: member.value, path: node.path.appending(.name(member.name))), selectors,
                    into: &out)
            }
        default: break
        }
    }

    private func select(_ selector: Selector, from node: JSONNode, into out: inout [JSONNode]) {
        switch selector {
        case .name(let name):
            if case .object(let object) = node.value, let value = object[name] {
                out.append(JSONNode(value: value, path: node.path.appending(.name(name))))
            }
        case .wildcard:
            forEachChild(of: node) { out.append($0) }
        case .index(let index):
            if case .array(let elements) = node.value {
                let resolved = index < 0 ? elements.count + index : index
                if resolved >= 0, resolved < elements.count {
                    out.append(JSONNode(value: elements[resolved], path: node.path.appending(.index(resolved))))
                }
            }
        case .slice(let start, let end, let step):
            if case .array(let elements) = node.value {
                for index in Self.sliceIndices(count: elements.count, start: start, end: end, step: step) {
                    out.append(JSONNode(value: elements[index], path: node.path.appending(.index(index))))
                }
            }
        case .filter(let expression):
            forEachChild(of: node) { child in
                if test(expression, current: child.value) { out.append(child) }
            }
        }
    }

    private func forEachChild(of node: JSONNode, _ body: (JSONNode) -> Void) {
        switch node.value {
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                body(JSONNode(value: element, path: node.path.appending(.index(index))))
            }
        case .object(let object):
            for member in object.members {
                body(JSONNode(value: member.value, path: node.path.appending(.name(member.name))))
            }
        default: break
        }
    }

    /// The indices a slice selects, in order (RFC 9535 §2.3.4.2.2).
    static func sliceIndices(count: Int, start: Int?, end: Int?, step: Int?) -> [Int] {
        let step = step ?? 1
        guard step != 0 else { return [] }
        func normalize(_ index: Int) -> Int { index >= 0 ? index : count + index }
        if step > 0 {
            let lower = min(max(normalize(start ?? 0), 0), count)
            let upper = min(max(normalize(end ?? count), 0), count)
            return lower < upper ? Array(stride(from: lower, to: upper, by: step)) : []
        } else {
            let upper = min(max(normalize(start ?? count - 1), -1), count - 1)
            let lower = min(max(normalize(end ?? -count - 1), -1), count - 1)
            return lower < upper ? Array(stride(from: upper, to: lower, by: step)) : []
        }
    }

    // MARK: Filters

    func test(_ expression: LogicalExpression, current: JSONValue) -> Bool {
        switch expression {
        case .or(let operands): return operands.contains { test($0, current: current) }
        case .and(let operands): return operands.allSatisfy { test($0, current: current) }
        case .not(let inner): return !test(inner, current: current)
        case .exists(let query): return !nodes(of: query, current: current).isEmpty
        case .function(let call): return logical(call, current: current)
        case .comparison(let left, let op, let right):
            return Self.compare(value(left, current: current), op, value(right, current: current))
        }
    }

    private func nodes(of query: FilterQuery, current: JSONValue) -> [JSONNode] {
        var nodes = [JSONNode(value: query.relative ? current : root, path: NormalizedPath())]
        for segment in query.segments { nodes = apply(segment, to: nodes) }
        return nodes
    }

    private func value(_ comparable: ComparisonOperand, current: JSONValue) -> ValueResult {
        switch comparable {
        case .literal(let literal): return literal
        case .query(let query):
            let found = nodes(of: query, current: current)
            return found.count == 1 ? found[0].value : nil
        case .function(let call): return value(call, current: current)
        }
    }

    private func argumentValue(_ argument: FunctionArgument, current: JSONValue) -> ValueResult {
        switch argument {
        case .literal(let literal): return literal
        case .query(let query):
            let found = nodes(of: query, current: current)
            return found.count == 1 ? found[0].value : nil
        case .function(let call): return value(call, current: current)
        case .logical: return nil
        }
    }

    private func value(_ call: FunctionCall, current: JSONValue) -> ValueResult {
        switch call.name {
        case .length:
            switch argumentValue(call.arguments[0], current: current) {
            case .string(let text): return .number(JSONNumber(text.unicodeScalars.count))
            case .array(let elements): return .number(JSONNumber(elements.count))
            case .object(let object): return .number(JSONNumber(object.count))
            default: return nil
            }
        case .count:
            guard case .query(let query) = call.arguments[0] else { return nil }
            return .number(JSONNumber(nodes(of: query, current: current).count))
        case .value:
            guard case .query(let query) = call.arguments[0] else { return nil }
            let found = nodes(of: query, current: current)
            return found.count == 1 ? found[0].value : nil
        case .match, .search:
            return nil
        }
    }

    private func logical(_ call: FunctionCall, current: JSONValue) -> Bool {
        switch call.name {
        case .match, .search:
            guard case .string(let subject) = argumentValue(call.arguments[0], current: current) else {
                return false
            }
            if let compiled = call.compiledPattern { return compiled.matches(subject) }
            guard case .string(let pattern) = argumentValue(call.arguments[1], current: current),
                let regex = IRegexp(pattern, anchored: call.name == .match)
            else { return false }
            return regex.matches(subject)
        default:
            return false
        }
    }

    static func compare(_ left: ValueResult, _ op: ComparisonOperator, _ right: ValueResult) -> Bool {
        switch op {
        case .equal: return equal(left, right)
        case .notEqual: return !equal(left, right)
        case .less: return less(left, right)
        case .lessOrEqual: return less(left, right) || equal(left, right)
        case .greater: return less(right, left)
        case .greaterOrEqual: return less(right, left) || equal(left, right)
        }
    }

    private static func equal(_ left: ValueResult, _ right: ValueResult) -> Bool {
        switch (left, right) {
        case (nil, nil): return true
        case (let a?, let b?): return a == b
        default: return false
        }
    }

    private static func less(_ left: ValueResult, _ right: ValueResult) -> Bool {
        switch (left, right) {
        case (.number(let a)?, .number(let b)?): return a.value < b.value
        case (.string(let a)?, .string(let b)?):
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars) { $0.value < $1.value }
        default: return false
        }
    }
}
