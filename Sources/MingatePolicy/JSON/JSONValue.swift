/// A JSON value as Mingate reads it: objects keep their member order, numbers keep their exact text.
///
/// Keeping the number's text means an amount like `1299.50` reaches a partner exactly as the caller wrote it;
/// comparisons (JSONPath filters) use the numeric value.
public enum JSONValue: Sendable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)

    /// The name of the JSON type, for messages that must never carry the value itself.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// The member `name` of an object; nil for a missing member or a non-object.
    public subscript(_ name: String) -> JSONValue? {
        guard case .object(let object) = self else { return nil }
        return object[name]
    }

    /// The text of a string value.
    public var stringValue: String? {
        if case .string(let text) = self { return text }
        return nil
    }

    public var isContainer: Bool {
        switch self {
        case .array, .object: true
        default: false
        }
    }
}

/// A JSON number: its text as written and its value as a `Double`.
public struct JSONNumber: Sendable {
    public let text: String
    public let value: Double

    public init(text: String, value: Double) {
        self.text = text
        self.value = value
    }

    public init(_ value: Int) {
        self.text = String(value)
        self.value = Double(value)
    }
}

/// A JSON object: members in document order, with a name index for lookup.
public struct JSONObject: Sendable {
    public private(set) var members: [(name: String, value: JSONValue)]
    private var index: [String: Int]

    public init() {
        members = []
        index = [:]
    }

    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        for (name, value) in pairs { self[name] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// The position of member `name` in document order.
    public func position(of name: String) -> Int? { index[name] }

    /// Whether `name` is present already; the parser uses it to refuse duplicate keys.
    public func contains(_ name: String) -> Bool { index[name] != nil }

    public subscript(name: String) -> JSONValue? {
        get { index[name].map { members[$0].value } }
        set {
            if let position = index[name] {
                if let newValue {
                    members[position].value = newValue
                } else {
                    members.remove(at: position)
                    index = [:]
                    for (offset, member) in members.enumerated() { index[member.name] = offset }
                }
            } else if let newValue {
                index[name] = members.count
                members.append((name, newValue))
            }
        }
    }
}

extension JSONValue: Equatable {
    /// JSON equality as RFC 9535 defines it for comparisons: numbers by value, objects regardless of order.
    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a.value == b.value
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for member in a.members {
                guard let other = b[member.name], other == member.value else { return false }
            }
            return true
        default: return false
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) { self = .object(JSONObject(elements)) }
}
