/// Why a JSON text was refused. Equal by code; the message names a byte offset, never the content.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let malformed = Code(rawValue: "malformed_json")
        public static let duplicateKey = Code(rawValue: "duplicate_key")
        public static let tooDeep = Code(rawValue: "json_too_deep")
        public static let invalidUTF8 = Code(rawValue: "invalid_utf8")
    }

    public let code: Code
    public let message: String
    public let offset: Int

    public init(_ code: Code, _ message: String, offset: Int) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    public static func == (lhs: JSONParseError, rhs: JSONParseError) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(message) at byte \(offset)" }
}
