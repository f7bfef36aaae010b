/// One allowed JSON path: what it selects, what kind of data that is, and how it is sent.
public struct JSONRule: Sendable {
    public let query: JSONPathQuery
    public let category: String
    public let transform: Transform

    public init(query: JSONPathQuery, category: String, transform: Transform) {
        self.query = query
        self.category = category
        self.transform = transform
    }
}

/// One allowed named field: a form field, a query parameter or a header (names of headers compared lowercased).
public struct FieldRule: Sendable {
    public let name: String
    public let category: String
    public let transform: Transform
}

/// One allowed part of a multipart body: its name, the content types it may have and how large it may be.
public struct PartRule: Sendable {
    public let name: String
    public let category: String
    public let transform: Transform
    /// Allowed content types; empty means a text part (no content type, or `text/plain`).
    public let contentTypes: [String]
    public let maxBytes: Int
}

/// Where a request names its data subject.
public enum SubjectSource: Sendable, Hashable {
    case header(String)
    case json(JSONPathQuery)

    public static func == (lhs: SubjectSource, rhs: SubjectSource) -> Bool {
        switch (lhs, rhs) {
        case (.header(let a), .header(let b)): a == b
        case (.json(let a), .json(let b)): a.text == b.text
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) {
        switch self {
        case .header(let name): hasher.combine("h:" + name)
        case .json(let query): hasher.combine("j:" + query.text)
        }
    }
}
