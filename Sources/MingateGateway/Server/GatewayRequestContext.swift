import Hummingbird
import MingatePolicy
import NIOCore

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
        // Ours, not Hummingbird's (a 128-bit hex string): half the characters in the ledger (`RequestIdentifier`).
        // Set as `hb.request.id` so the server's log lines, the ledger's `request_id`, the caller's and the partner's
        // `X-Request-Id` agree.
        requestID = RequestIdentifier.next()
        remoteAddress = source.channel.remoteAddress?.ipAddress ?? "unknown"
        logger[metadataKey: "hb.request.id"] = .string(requestID)
    }
}
