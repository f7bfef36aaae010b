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

    /// The elements of an array value.
    public var arrayValue: [JSONValue]? {
        if case .array(let elements) = self { return elements }
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

/// A JSON object: members in document order. Lookup scans small objects (most request bodies are made of
/// them) and keeps a name index only for objects past `indexThreshold` members, so parsing does not hash every key.
public struct JSONObject: Sendable {
    public private(set) var members: [(name: String, value: JSONValue)]
    private var index: [ExactName: Int]?

    static let indexThreshold = 16

    public init() {
        members = []
        index = nil
    }

    public init(_ pairs: [(String, JSONValue)]) {
        self.init()
        members.reserveCapacity(pairs.count)
        for (name, value) in pairs { self[name] = value }
    }

    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    /// The position of member `name` in document order. Names are compared by Unicode scalars, not by Swift's
    /// canonical equivalence: `"café"` in NFC and in NFD are two different members, as they are to any partner's
    /// parser and to RFC 9535.
    public func position(of name: String) -> Int? {
        if let index { return index[ExactName(name)] }
        return members.firstIndex { ExactName.equal($0.name, name) }
    }

    /// Whether `name` is present already; the parser uses it to refuse duplicate keys.
    public func contains(_ name: String) -> Bool { position(of: name) != nil }

    mutating func reserveCapacity(_ count: Int) { members.reserveCapacity(count) }

    /// Appends a member known not to be present (the parser checks first).
    mutating func append(_ name: String, _ value: JSONValue) {
        if index != nil {
            index![ExactName(name)] = members.count
        } else if members.count == Self.indexThreshold {
            var built: [ExactName: Int] = [:]
            for (offset, member) in members.enumerated() { built[ExactName(member.name)] = offset }
            built[ExactName(name)] = members.count
            index = built
        }
        members.append((name, value))
    }

    public subscript(name: String) -> JSONValue? {
        get { position(of: name).map { members[$0].value } }
        set {
            if let position = position(of: name) {
                if let newValue {
                    members[position].value = newValue
                } else {
                    members.remove(at: position)
                    if index != nil {
                        var rebuilt: [ExactName: Int] = [:]
                        for (offset, member) in members.enumerated() { rebuilt[ExactName(member.name)] = offset }
                        index = rebuilt
                    }
                }
            } else if let newValue {
                append(name, newValue)
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
        case (.string(let a), .string(let b)): return ExactName.equal(a, b)
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

/// A string compared and hashed by its Unicode scalars (its UTF-8 bytes), not by Swift's canonical equivalence.
/// JSON member names, JSONPath name selectors and string comparisons in filters all use it (RFC 9535 does not
/// normalise).
public struct ExactName: Hashable, Sendable {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// Byte equality of the two strings' UTF-8 (the same as equality of their scalars), on contiguous storage.
    /// Inlinable, and lengths first: callers scan lists of names with it, and most names differ in length.
    @inlinable
    public static func equal(_ a: String, _ b: String) -> Bool {
        guard a.utf8.count == b.utf8.count else { return false }
        let contiguous = a.utf8.withContiguousStorageIfAvailable { x in
            b.utf8.withContiguousStorageIfAvailable { y in x.elementsEqual(y) }
        }
        if let contiguous, let equal = contiguous { return equal }
        return a.utf8.elementsEqual(b.utf8)
    }

    public static func == (lhs: ExactName, rhs: ExactName) -> Bool { equal(lhs.text, rhs.text) }

    public func hash(into hasher: inout Hasher) {
        var copy = text
        copy.withUTF8 { hasher.combine(bytes: UnsafeRawBufferPointer($0)) }
    }
}
