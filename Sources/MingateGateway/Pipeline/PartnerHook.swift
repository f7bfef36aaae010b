import Foundation
import HTTPTypes
import Hummingbird
import MingateLedger
import MingatePolicy
import NIOCore

/// `POST /w/{partner}/{hook}`: a partner's call to the platform, top to bottom:
///
/// place → read body → prove the sender → refuse a replay → minimise → record → deliver → outcome → acknowledge.
///
/// Until the sender is proven, anyone could be sending: a refusal then (unknown hook, bad signature, replay) is
/// counted like an unidentified caller's (`UnidentifiedRefusals`: per window, reason, partner and source), so a
/// flood cannot grow the ledger. Once proven, every message gets its own `inbound` entry, refused or delivered.
/// The partner never sees the internal service's answer: it gets `{"status":"delivered"}` or an error.
struct PartnerHook: Sendable {
    let policy: PolicyHolder
    let pipeline: DisclosurePipeline
    let replays: ReplayGuard
    let unidentified: UnidentifiedRefusals
    let now: @Sendable () -> Date

    func respond(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let enforcer = policy.current.enforcer
        let target = request.head.path ?? "/"
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count)
        for field in request.headers { headers.append((field.name.rawName, field.value)) }

        let placement: HookPlacement
        // The partner the path named, once placed: refusals are counted against it.
        var partner: String?
        let body: [UInt8]
        let replayKey: String
        do throws(Refusal) {
            try RequestFraming.check(hasHost: request.head.authority != nil, headers: headers)
            placement = try enforcer.placeHook(target: target)
            partner = placement.partner.id
            body = try await PartnerCall.readBody(request, limit: enforcer.limits.maxBodyBytes)
            let proof = try enforcer.authenticate(placement, headers: headers, body: body, now: now())
            replayKey = "\(placement.partner.id)/\(placement.hook.id)/\(proof.replayKey)"
            guard replays.claim(replayKey, until: proof.rememberUntil, now: now()) else {
                throw Refusal(.webhookReplayed, "this message was already accepted")
            }
        } catch {
            unidentified.count(reason: error.code.rawValue, source: enforcer.sourceKey(for: context.remoteAddress), partner: partner)
            pipeline.metrics.refused(reason: error.code.rawValue, partner: partner ?? "-")
            throw error
        }

        let decision: Decision
        do throws(Refusal) {
            decision = try enforcer.receive(
                placement, InboundRequest(method: "POST", target: target, headers: headers, body: body), requestID: context.requestID)
        } catch {
            decision = enforcer.refusedHook(error, placement, requestID: context.requestID)
        }
        switch await pipeline.run(decision, enforcer: enforcer, requestID: context.requestID, started: started, logger: context.logger) {
        case .refused(let refusal):
            // Not delivered: the partner's retry of this message must get through.
            replays.release(replayKey)
            throw refusal
        case .answered(let answer, _):
            guard (200..<300).contains(answer.status) else {
                replays.release(replayKey)
                throw Refusal(.hookDeliveryFailed, "the internal service answered \(answer.status)")
            }
            var fields = HTTPFields()
            fields[.contentType] = "application/json"
            fields[.requestID] = context.requestID
            let acknowledgement: JSONValue = ["status": "delivered", "request_id": .string(context.requestID)]
            return Response(status: .ok, headers: fields, body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(acknowledgement))))
        }
    }
}
