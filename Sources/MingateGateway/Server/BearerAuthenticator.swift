import Hummingbird
import MingatePolicy

/// Identifies the sender of a request by its bearer token, for one audience (callers, auditors, the operator),
/// before anything else happens and before the body is read. Tokens are compared as SHA-256 digests, in constant
/// time over every candidate. Unidentified requests are refused with `unauthenticated`.
struct BearerAuthenticator<Identity: Sendable>: RouterMiddleware {
    typealias Context = GatewayRequestContext

    /// Who this route group is for, in the refusal message (`caller`, `auditor`, `admin`).
    let audience: String
    /// The identities in force now (a reload may change them); nil when the audience is switched off (the admin
    /// API without a token), which answers 404 as if the routes did not exist.
    let candidates: @Sendable () -> [Identity]?
    /// An identity's token digest.
    let digest: @Sendable (Identity) -> [UInt8]
    /// Stores the identity in the context.
    let assign: @Sendable (inout Context, Identity) -> Void
    /// Called for each refused request (the partner-call group counts them into the ledger).
    var onRefused: @Sendable (Refusal, Request, Context) -> Void = { _, _, _ in }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let candidates = candidates() else { throw Refusal(.notFound, "the \(audience) API is off") }
        let refusal: Refusal
        if let token = KeyedDigests.bearerToken(request.headers[.authorization]) {
            if let match = KeyedDigests.firstMatch(token, in: candidates, digest: digest) {
                var context = context
                assign(&context, match)
                return try await next(request, context)
            }
            refusal = Refusal(.unauthenticated, "unknown \(audience) token")
        } else {
            refusal = Refusal(.unauthenticated, "send 'Authorization: Bearer <\(audience) token>'")
        }
        onRefused(refusal, request, context)
        throw refusal
    }
}
