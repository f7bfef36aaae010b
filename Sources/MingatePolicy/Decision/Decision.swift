/// The gateway's verdict on one request. Both cases carry the disclosure that goes to the ledger.
public enum Decision: Sendable {
    case forward(OutboundRequest, Disclosure)
    case refuse(Refusal, Disclosure)

    public var disclosure: Disclosure {
        switch self {
        case .forward(_, let disclosure), .refuse(_, let disclosure): disclosure
        }
    }
}

/// The request as it will leave for the partner: minimised, with the partner's credentials. A partner's hook leaves
/// the other way, for an internal service (`destination`).
public struct OutboundRequest: Sendable {
    public enum Destination: Sendable, Equatable {
        /// The partner, through its own client (TLS settings, timeouts).
        case partner
        /// An internal service receiving a partner's hook.
        case internalService(String)
    }

    public let partner: String
    public let method: String
    /// Absolute URL: the partner's base URL, the matched path, the minimised query.
    public let url: String
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]
    public let destination: Destination

    public init(
        partner: String, method: String, url: String, headers: [(name: String, value: String)], body: [UInt8],
        destination: Destination = .partner
    ) {
        self.destination = destination
        self.partner = partner
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A request as it reached the gateway, before anything is trusted.
public struct InboundRequest: Sendable {
    public let method: String
    /// The raw request target: path and query, still percent-encoded.
    public let target: String
    public let headers: [(name: String, value: String)]
    public let body: [UInt8]

    public init(method: String, target: String, headers: [(name: String, value: String)], body: [UInt8]) {
        self.method = method
        self.target = target
        self.headers = headers
        self.body = body
    }

    /// The first value of a header; `name` is lower case.
    public func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name }?.value
    }

    /// How many times a header appears; `name` is lower case.
    public func count(_ name: String) -> Int {
        headers.reduce(0) { $0 + ($1.name.lowercased() == name ? 1 : 0) }
    }
}
