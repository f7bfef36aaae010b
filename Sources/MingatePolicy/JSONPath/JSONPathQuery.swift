/// A compiled RFC 9535 JSONPath query.
///
/// Compile once (when a policy loads), evaluate many times. `select(in:)` returns the nodelist with each node's
/// normalized path, in the order RFC 9535 defines.
public struct JSONPathQuery: Sendable, CustomStringConvertible {
    /// The query as written.
    public let text: String
    let segments: [Segment]

    public init(_ text: String) throws(JSONPathError) {
        self.text = text
        var parser = JSONPathParser(text)
        self.segments = try parser.parseQuery()
    }

    init(text: String, segments: [Segment]) {
        self.text = text
        self.segments = segments
    }

    public var description: String { text }

    /// Whether the query uses a descendant segment (`..`), which in an allowlist usually selects more than meant.
    public var hasDescendantSegment: Bool {
        segments.contains { if case .descendant = $0 { true } else { false } }
    }

    /// Whether the query can select at most one node (only name and index selectors in child segments).
    public var isSingular: Bool { segments.allSatisfy(\.isSingular) }
}

/// One segment of a query: `[selectors]` applied to the children, or `..[selectors]` to all descendants.
enum Segment: Sendable {
    case child([Selector])
    case descendant([Selector])

    var isSingular: Bool {
        guard case .child(let selectors) = self, selectors.count == 1 else { return false }
        switch selectors[0] {
        case .name, .index: return true
        default: return false
        }
    }
}

enum Selector: Sendable {
    case name(String)
    case wildcard
    case index(Int)
    case slice(start: Int?, end: Int?, step: Int?)
    case filter(LogicalExpression)
}

/// A filter's logical expression (RFC 9535 §2.3.5).
indirect enum LogicalExpression: Sendable {
    case or([LogicalExpression])
    case and([LogicalExpression])
    case not(LogicalExpression)
    case comparison(ComparisonOperand, ComparisonOperator, ComparisonOperand)
    /// An existence test: true when the query selects at least one node.
    case exists(FilterQuery)
    /// A function of logical type (match, search) used as a test.
    case function(FunctionCall)
}

enum ComparisonOperator: String, Sendable {
    case equal = "==", notEqual = "!=", less = "<", lessOrEqual = "<=", greater = ">", greaterOrEqual = ">="
}

/// A side of a comparison: always of value type.
enum ComparisonOperand: Sendable {
    case literal(JSONValue)
    case query(FilterQuery)  // singular
    case function(FunctionCall)  // of value type
}

/// A query inside a filter: relative to the current node (`@`) or to the root (`$`).
struct FilterQuery: Sendable {
    let relative: Bool
    let segments: [Segment]
}

struct FunctionCall: Sendable {
    enum Name: String, Sendable {
        case length, count, match, search, value
    }

    let name: Name
    let arguments: [FunctionArgument]
    /// A regex compiled at parse time when `match`/`search` get a literal pattern.
    let compiledPattern: IRegexp?
}

enum FunctionArgument: Sendable {
    case literal(JSONValue)
    case query(FilterQuery)
    case logical(LogicalExpression)
    case function(FunctionCall)
}

/// The declared types of RFC 9535 §2.4.1.
enum FunctionType {
    case value, logical, nodes
}

extension FunctionCall.Name {
    var resultType: FunctionType {
        switch self {
        case .length, .count, .value: .value
        case .match, .search: .logical
        }
    }

    var parameterTypes: [FunctionType] {
        switch self {
        case .length: [.value]
        case .count, .value: [.nodes]
        case .match, .search: [.value, .value]
        }
    }
}
