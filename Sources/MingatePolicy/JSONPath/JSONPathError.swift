/// Why a JSONPath query was refused: what is wrong and where (a character offset into the query).
public struct JSONPathError: Error, Sendable, Equatable, CustomStringConvertible {
    public let message: String
    /// Offset of the offending character, counted in Unicode scalars from the start of the query.
    public let position: Int

    public init(_ message: String, at position: Int) {
        self.message = message
        self.position = position
    }

    public var description: String { "\(message) at position \(position)" }

    /// The query with a caret under the offending character, for a terminal.
    public func pointing(into query: String) -> String {
        let line = query.unicodeScalars.map { $0 == "\n" || $0 == "\t" || $0 == "\r" ? " " : String($0) }.joined()
        return "\(line)\n\(String(repeating: " ", count: position))^ \(message)"
    }
}
