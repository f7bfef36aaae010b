import HTTPTypes
import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOCore
import NIOHTTP1

/// `…/p/{partner}/{purpose}/{partner path}`: one internal call to a partner, top to bottom. The caller is already
/// identified (the group's `BearerAuthenticator` ran before anything was read); then:
///
/// place → permit → read body → minimise → consent → record → send → outcome → answer.
///
/// Every step that refuses produces a decision that is recorded like a forward is; the pure steps live in the
/// core's `Enforcer`, the edge only reads, asks the consent store, and runs the `DisclosurePipeline`.
struct PartnerCall: Sendable {
    let policy: PolicyHolder
    let subjects: SubjectLedger
    let pipeline: DisclosurePipeline

    func respond(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let started = ContinuousClock.now
        let enforcer = policy.current.enforcer
        let requestID = context.requestID
        let method = request.method.rawValue
        let target = request.head.path ?? "/"
        // The caller as the policy this request is decided under knows it: a reload between identifying and
        // deciding cannot leave a permission the new policy took away (a caller it removed is refused, recorded).
        let caller = context.caller.flatMap { identified in enforcer.policy.callers.first { $0.id == identified.id } }
        var headers: [(name: String, value: String)] = []
        headers.reserveCapacity(request.headers.count)
        for field in request.headers { headers.append((field.name.rawName, field.value)) }

        var permit: Permit?
        let decision: Decision
        do throws(Refusal) {
            guard let caller else { throw Refusal(.unauthenticated, "the caller is not in the policy in force") }
            try RequestFraming.check(hasHost: request.head.authority != nil, headers: headers)
            let placement = try enforcer.place(method: method, target: target)
            let granted = try enforcer.permit(placement, caller: caller, headers: headers)
            permit = granted
            let body = try await Self.readBody(request, limit: enforcer.limits.maxBodyBytes)
            let verdict = try enforcer.minimise(
                granted, InboundRequest(method: method, target: target, headers: headers, body: body), requestID: requestID)
            decision = await consent(verdict, granted)
        } catch {
            decision = enforcer.refused(error, requestID: requestID, method: method, target: target, caller: caller, permit: permit)
        }

        switch await pipeline.run(decision, enforcer: enforcer, requestID: requestID, started: started, logger: context.logger) {
        case .refused(let refusal):
            throw refusal
        case .answered(let answer, _):
            return Self.relay(answer, requestID: requestID)
        }
    }

    /// Asks the store for the consents the verdict needs; the verdict turns the answer into the decision.
    private func consent(_ verdict: Verdict, _ permit: Permit) async -> Decision {
        guard !verdict.consentNeeds.isEmpty else { return verdict.decision(missingConsent: nil) }
        do {
            let missing = try await subjects.firstMissing(
                verdict.consentNeeds, subjectKey: verdict.disclosure.subjectKey, partner: permit.placement.partner.id,
                purpose: permit.placement.purpose.id)
            return verdict.decision(missingConsent: missing)
        } catch {
            pipeline.metrics.consentStoreFailed()
            return verdict.consentUnavailable()
        }
    }

    /// Reads the body up to `limit` bytes. A declared `Content-Length` over the limit is refused before a byte is
    /// read; a body that grows past it, or stalls past the connection's body deadline, is refused too.
    static func readBody(_ request: Request, limit: Int) async throws(Refusal) -> [UInt8] {
        if let declared = request.headers[.contentLength] {
            guard let length = Int(declared), length >= 0 else {
                throw Refusal(.badRequest, "Content-Length is not a number")
            }
            if length > limit { throw Refusal(.bodyTooLarge, "the body is larger than \(limit) bytes") }
            if length == 0 { return [] }
        }
        var bytes: [UInt8] = []
        do {
            for try await buffer in request.body {
                if bytes.count + buffer.readableBytes > limit {
                    throw Refusal(.bodyTooLarge, "the body is larger than \(limit) bytes")
                }
                if bytes.isEmpty { bytes.reserveCapacity(buffer.readableBytes) }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch let refusal as Refusal {
            throw refusal
        } catch is RequestDeadlineExceeded {
            throw Refusal(.requestTimeout, "the request body did not arrive in time")
        } catch is HTTPParserError where request.headers[.transferEncoding] != nil {
            // The framing was checked to be plain `chunked`: what the parser stops at is a broken chunk.
            throw Refusal(.malformedChunked, "the chunked body is malformed (chunk size, line ending or terminator)")
        } catch is HTTPParserError {
            throw Refusal(.malformedRequest, "the request body could not be parsed")
        } catch {
            throw Refusal(.badRequest, "the request body could not be read")
        }
        return bytes
    }

    /// Headers that never come back from a partner: hop-by-hop, cookies, and what the server sets itself.
    static let droppedResponseHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "set-cookie", "set-cookie2", "content-length", "server", "date", "x-request-id",
    ]

    static func relay(_ answer: PartnerClients.PartnerResponse, requestID: String) -> Response {
        var headers = HTTPFields()
        let connectionListed = RequestFraming.connectionListed(in: answer.headers)
        for header in answer.headers {
            let name = header.name.lowercased()
            guard !droppedResponseHeaders.contains(name), !connectionListed.contains(name),
                let fieldName = HTTPField.Name(header.name)
            else { continue }
            headers.append(HTTPField(name: fieldName, value: header.value))
        }
        headers[.requestID] = requestID
        return Response(status: .init(code: answer.status), headers: headers, body: .init(byteBuffer: answer.body))
    }
}
