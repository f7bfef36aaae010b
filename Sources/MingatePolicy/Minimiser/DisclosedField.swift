/// A field that went to a partner: where it was, what kind of data, and in what form. Never its value.
public struct DisclosedField: Sendable, Hashable {
    /// A normalized path for JSON (`$['order']['id']`), `query:NAME`, `form:NAME`, `part:NAME` or `header:NAME`.
    public let path: String
    public let category: String
    public let transform: String

    public init(path: String, category: String, transform: String) {
        self.path = path
        self.category = category
        self.transform = transform
    }
}

/// What minimising one part of a request produced.
public struct Minimised<Output: Sendable>: Sendable {
    public var output: Output
    public var disclosed: [DisclosedField]
    /// Where data was dropped: the root of each dropped subtree, or the name of a dropped field.
    public var withheld: [String]
}
