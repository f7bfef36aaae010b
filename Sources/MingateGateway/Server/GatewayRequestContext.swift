import Hummingbird
import MingatePolicy
import NIOCore
import Synchronization

/// What the gateway knows about one request as it passes the middleware: its id, who sent it (set by the
/// authenticator of its route group, before the body is read), and where from.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The gateway's id for this request: the ledger's `request_id`, the `X-Request-Id` the caller gets back and the
    /// one the partner receives.
    public let requestID: String
    /// The internal service calling a partner (`/p/…`), once identified.
    public var caller: Caller?
    /// The auditor reading the ledger (`/audit/…`), once identified.
    public var auditor: Auditor?
    /// The client's address, for keyed source digests of refusals (never stored as is).
    public let remoteAddress: String

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        requestID = RequestID.next()
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
    }
}

/// Request ids: a random per-process prefix and a counter. Unique within a process, unguessable across
/// processes, and cheap (no UUID formatting per request).
enum RequestID {
    private static let prefix: String = {
        var generator = SystemRandomNumberGenerator()
        let value = generator.next() as UInt64
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }()
    private static let counter = Atomic<UInt64>(0)

    static func next() -> String {
        let value = counter.add(1, ordering: .relaxed).newValue
        let hex = String(value, radix: 16)
        return prefix + "-" + String(repeating: "0", count: max(0, 8 - hex.count)) + hex
    }
}
