/// Several compiled queries evaluated together in one walk of a document.
///
/// Each node carries the set of (query, next segment) states that reach it; a node is selected by a query when
/// that query has no segments left. Only nodes some state reaches are visited, so an allowlist of ten paths costs
/// one walk over the parts of the document it names, not ten. The selected *set* equals each query's nodelist;
/// duplicates and RFC nodelist order are not kept (`JSONPathQuery.select` gives those).
public struct JSONPathSet: Sendable {
    public let queries: [JSONPathQuery]

    public init(_ queries: [JSONPathQuery]) {
        self.queries = queries
    }

    private struct State {
        let query: Int
        let segment: Int
    }

    /// Calls `visit(query index, node)` for every node a query selects, in document order.
    public func select(in root: JSONValue, _ visit: (Int, JSONNode) -> Void) {
        let evaluator = Evaluator(root: root)
        let initial = queries.indices.map { State(query: $0, segment: 0) }
        walk(root, path: NormalizedPath(), states: initial, evaluator, visit)
    }

    private func walk(
        _ value: JSONValue, path: NormalizedPath, states: [State], _ evaluator: Evaluator,
        _ visit: (Int, JSONNode) -> Void
    ) {
        var selectedBy: [Int] = []
        // Child position → states that continue there.
        var next: [Int: [State]] = [:]
        for state in states {
            let segments = queries[state.query].segments
            if state.segment == segments.count {
                if !selectedBy.contains(state.query) { selectedBy.append(state.query) }
                continue
            }
            let selectors: [Selector]
            let descendant: Bool
            switch segments[state.segment] {
            case .child(let list):
                selectors = list
                descendant = false
            case .descendant(let list):
                selectors = list
                descendant = true
            }
            let advanced = State(query: state.query, segment: state.segment + 1)
            switch value {
            case .object(let object):
                for selector in selectors {
                    switch selector {
                    case .name(let name):
                        if let position = object.position(of: name) { next[position, default: []].append(advanced) }
                    case .wildcard:
                        for position in object.members.indices { next[position, default: []].append(advanced) }
                    case .filter(let expression):
                        for (position, member) in object.members.enumerated()
                        where evaluator.test(expression, current: member.value) {
                            next[position, default: []].append(advanced)
                        }
                    case .index, .slice:
                        break
                    }
                }
                if descendant {
                    for position in object.members.indices where object.members[position].value.isContainer {
                        next[position, default: []].append(state)
                    }
                }
            case .array(let elements):
                for selector in selectors {
                    switch selector {
                    case .index(let index):
                        let resolved = index < 0 ? elements.count + index : index
                        if resolved >= 0 && resolved < elements.count { next[resolved, default: []].append(advanced) }
                    case .slice(let start, let end, let step):
                        for position in Evaluator.sliceIndices(count: elements.count, start: start, end: end, step: step) {
                            next[position, default: []].append(advanced)
                        }
                    case .wildcard:
                        for position in elements.indices { next[position, default: []].append(advanced) }
                    case .filter(let expression):
                        for (position, element) in elements.enumerated() where evaluator.test(expression, current: element) {
                            next[position, default: []].append(advanced)
                        }
                    case .name:
                        break
                    }
                }
                if descendant {
                    for position in elements.indices where elements[position].isContainer {
                        next[position, default: []].append(state)
                    }
                }
            default:
                break
            }
        }
        for query in selectedBy { visit(query, JSONNode(value: value, path: path)) }
        guard !next.isEmpty else { return }
        switch value {
        case .object(let object):
            for position in next.keys.sorted() {
                let member = object.members[position]
                walk(member.value, path: path.appending(.name(member.name)), states: next[position]!, evaluator, visit)
            }
        case .array(let elements):
            for position in next.keys.sorted() {
                walk(elements[position], path: path.appending(.index(position)), states: next[position]!, evaluator, visit)
            }
        default:
            break
        }
    }
}
