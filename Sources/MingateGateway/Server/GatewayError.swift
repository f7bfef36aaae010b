/// A gateway failure outside a request's decision (startup, configuration). Equal by code.
public struct GatewayError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        public static let configuration = Code(rawValue: "configuration")
        public static let policy = Code(rawValue: "policy_invalid")
        public static let secrets = Code(rawValue: "secrets_missing")
        public static let ledger = Code(rawValue: "ledger")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: GatewayError, rhs: GatewayError) -> Bool { lhs.code == rhs.code }

    public var description: String { message }
}
