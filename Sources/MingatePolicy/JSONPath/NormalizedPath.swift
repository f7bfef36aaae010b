/// One step of a normalized path: a member name or an array index.
public enum PathElement: Sendable, Hashable {
    case name(String)
    case index(Int)

    /// Names compare by Unicode scalars (`ExactName`), so an NFC and an NFD spelling are two elements.
    public static func == (lhs: PathElement, rhs: PathElement) -> Bool {
        switch (lhs, rhs) {
        case (.name(let a), .name(let b)): ExactName.equal(a, b)
        case (.index(let a), .index(let b)): a == b
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .name(let name):
            hasher.combine(0)
            hasher.combine(ExactName(name))
        case .index(let index):
            hasher.combine(1)
            hasher.combine(index)
        }
    }
}

/// A normalized path (RFC 9535 §2.7): the unique location of a node, like `$['order']['items'][0]`.
public struct NormalizedPath: Sendable, Hashable, CustomStringConvertible {
    public var elements: [PathElement]

    public init(_ elements: [PathElement] = []) {
        self.elements = elements
    }

    public func appending(_ element: PathElement) -> NormalizedPath {
        var copy = self
        copy.elements.append(element)
        return copy
    }

    public var description: String {
        var text = NormalizedPathBuilder()
        for element in elements {
            switch element {
            case .index(let index): _ = text.push(index: index)
            case .name(let name): _ = text.push(name: name)
            }
        }
        return text.text
    }

    /// Escapes a member name as RFC 9535 §2.7 requires in a normalized path.
    static func escape(_ name: String) -> String {
        if !name.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) { return name }
        var out = ""
        for scalar in name.unicodeScalars {
            switch scalar {
            case "'": out += "\\'"
            case "\\": out += "\\\\"
            case "\u{08}": out += "\\b"
            case "\u{0C}": out += "\\f"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{00}"..."\u{1F}":
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// One node of a nodelist: a value and where it sits.
public struct JSONNode: Sendable {
    public let value: JSONValue
    public let path: NormalizedPath
}
