import Hummingbird
import MingateLedger
import MingatePolicy
import NIOCore

/// What operators and their tools read, without a token: liveness, readiness, Prometheus metrics and the
/// description of the gateway's own API.
///
/// - `GET /healthz`: the process answers.
/// - `GET /readyz`: 200 when the ledger can be written (and, on PostgreSQL, its key has been checked), else 503
///   `ledger_unavailable`, with the reason's code (`store_unavailable`, `ledger_origin_held`…).
/// - `GET /metrics`: Prometheus text format (here, or on `metrics.listen` when that is configured).
/// - `GET /openapi.yaml`: the OpenAPI 3.1 document of `/audit`, `/admin` and these routes.
struct OperatorRoutes: Sendable {
    let ledger: LedgerWriter
    let connections: ConnectionCounter
    let metrics: GatewayMetrics
    /// PostgreSQL only: partner, admin and audit calls wait for it, so the gateway is not ready before it passes.
    var keyGuard: LedgerKeyGuard? = nil

    func add(to router: Router<GatewayRequestContext>, metrics withMetrics: Bool) {
        router.get("healthz") { _, _ in Response.text("ok\n") }
        router.get("readyz") { _, _ -> Response in
            if let reason = ledger.unavailableBecause {
                // The code only: another writer holding the log, or a key for another origin, is the operator's to fix.
                throw Refusal(.ledgerUnavailable, "the ledger cannot be written now (\(reason.rawValue))")
            }
            if let keyGuard, !keyGuard.isVerified {
                throw Refusal(.ledgerUnavailable, "the ledger key has not been checked against the ledger yet")
            }
            return Response.text("ready\n")
        }
        router.get("openapi.yaml") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "application/yaml"],
                body: .init(byteBuffer: ByteBuffer(bytes: PackageResources.openapi_yaml)))
        }
        if withMetrics { addMetrics(to: router) }
    }

    func addMetrics(to router: Router<GatewayRequestContext>) {
        router.get("metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                body: .init(byteBuffer: ByteBuffer(bytes: metrics.exposition(ledger: ledger, connections: connections))))
        }
    }
}
