import HTTPTypes
import Foundation
import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore

/// Handles every request: partner calls under `/p/`, health under `/healthz` and `/readyz`.
///
/// A partner call is decided by the `Enforcer`, recorded by the `LedgerWriter` (durably, before anything is
/// sent), then forwarded by `PartnerClients`; the outcome is recorded after the response, without delaying it.
public struct GatewayResponder: HTTPResponder {
    public typealias Context = BasicRequestContext

    let policy: PolicyHolder
    let ledger: LedgerWriter
    let clients: PartnerClients
    let maxResponseBytes: Int
    let logger: Logger
    let audit: AuditAPI
    let admin: AdminAPI
    let consents: ConsentChecker

    public func respond(to request: Request, context: Context) async throws -> Response {
        let target = request.head.path ?? "/"
        switch target {
        case "/healthz":
            return Self.plain(200, "ok\n")
        case "/readyz":
            return ledger.isHealthy ? Self.plain(200, "ready\n") : Self.plain(503, "ledger unavailable\n")
        default:
            break
        }
        if target.hasPrefix("/audit/") { return await audit.respond(to: request, target: target) }
        if target.hasPrefix("/admin/") { return await admin.respond(to: request, target: target) }
        guard target.hasPrefix(PartnerPath.prefix) else {
            return ErrorBody.response(status: 404, code: "not_found", message: "partner calls go to /p/{partner}/{purpose}/{path}", requestID: nil)
        }
        return await partnerCall(request, target: target)
    }

    private func partnerCall(_ request: Request, target: String) async -> Response {
        let started = ContinuousClock.now
        let requestID = UUID().uuidString.lowercased()
        let enforcer = policy.current.enforcer
        let (body, tooLarge) = await Self.collect(request.body, limit: enforcer.limits.maxBodyBytes)
        let inbound = InboundRequest(
            method: request.method.rawValue, target: target,
            headers: request.headers.map { ($0.name.rawName, $0.value) }, body: body, bodyExceededLimit: tooLarge)
        var decision = enforcer.decide(inbound, requestID: requestID)
        if case .forward(_, var disclosure) = decision, !disclosure.consentNeeds.isEmpty {
            // Consent, transfer consent, a guardian's consent: checked in the store now, for this very request.
            var refusal: Refusal?
            do {
                refusal = try await consents.firstMissing(disclosure)?.refusal
            } catch {
                refusal = Refusal(.consentUnavailable, "consent cannot be checked now; nothing was sent")
            }
            if let refusal {
                disclosure.decision = .refuse
                disclosure.reason = refusal.code.rawValue
                disclosure.bodyDigest = nil
                decision = .refuse(refusal, disclosure)
            }
        }
        var log = logger
        log[metadataKey: "request.id"] = "\(requestID)"

        // Record before anything leaves. No record, no forward.
        let entry: LedgerEntry
        do {
            entry = try await ledger.append(decision.disclosure)
        } catch {
            log.error("refused: ledger append failed", metadata: ["ledger.error": "\(error.code.rawValue)"])
            return ErrorBody.response(Refusal(.ledgerUnavailable, "the disclosure could not be recorded; nothing was sent"), requestID: requestID)
        }
        log[metadataKey: "ledger.seq"] = "\(entry.sequence)"

        switch decision {
        case .refuse(let refusal, let disclosure):
            log.info("refused", metadata: Self.metadata(disclosure, code: refusal.code.rawValue))
            return ErrorBody.response(refusal, requestID: requestID)
        case .forward(let outbound, let disclosure):
            do {
                let answer = try await clients.send(outbound, maxResponseBytes: maxResponseBytes)
                ledger.record(
                    Outcome(
                        requestID: requestID, decisionSequence: entry.sequence, partner: outbound.partner,
                        status: answer.status, bytesSent: outbound.body.count, bytesReceived: answer.body.readableBytes,
                        latencyMilliseconds: Self.milliseconds(since: started), error: nil))
                log.info("forwarded", metadata: Self.metadata(disclosure, code: "allowed", status: answer.status))
                return Self.relay(answer, requestID: requestID)
            } catch {
                ledger.record(
                    Outcome(
                        requestID: requestID, decisionSequence: entry.sequence, partner: outbound.partner, status: nil,
                        bytesSent: outbound.body.count, bytesReceived: 0,
                        latencyMilliseconds: Self.milliseconds(since: started), error: error.code.rawValue))
                log.warning("partner call failed", metadata: Self.metadata(disclosure, code: error.code.rawValue))
                return ErrorBody.response(error, requestID: requestID)
            }
        }
    }

    /// Reads the body up to `limit` bytes; past it, stops and says so.
    static func collect(_ body: RequestBody, limit: Int) async -> ([UInt8], Bool) {
        var bytes: [UInt8] = []
        do {
            for try await buffer in body {
                if bytes.count + buffer.readableBytes > limit { return ([], true) }
                bytes.append(contentsOf: buffer.readableBytesView)
            }
        } catch {
            return ([], true)
        }
        return (bytes, false)
    }

    /// Headers that never come back from a partner: hop-by-hop, cookies, and what the server sets itself.
    static let droppedResponseHeaders: Set<String> = [
        "connection", "keep-alive", "proxy-authenticate", "proxy-authorization", "te", "trailer",
        "transfer-encoding", "upgrade", "set-cookie", "set-cookie2", "content-length", "server", "date",
    ]

    static func relay(_ answer: PartnerClients.PartnerResponse, requestID: String) -> Response {
        var headers = HTTPFields()
        let connectionListed = Set(
            answer.headers.filter { $0.name.lowercased() == "connection" }
                .flatMap { $0.value.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).lowercased() } })
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

    static func plain(_ status: Int, _ text: String) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "text/plain"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func milliseconds(since start: ContinuousClock.Instant) -> Int {
        let elapsed = ContinuousClock.now - start
        return Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
    }

    static func metadata(_ disclosure: Disclosure, code: String, status: Int? = nil) -> Logger.Metadata {
        var metadata: Logger.Metadata = [
            "disclosure.decision": "\(code)",
            "caller.id": "\(disclosure.caller ?? "-")",
            "partner.id": "\(disclosure.partner ?? "-")",
            "disclosure.purpose": "\(disclosure.purpose ?? "-")",
            "disclosure.fields": "\(disclosure.disclosed.count)",
            "disclosure.withheld": "\(disclosure.withheld.count)",
        ]
        if let status { metadata["partner.status"] = "\(status)" }
        return metadata
    }
}

/// The policy in force, swapped whole on reload; a request keeps the one it started with.
public final class PolicyHolder: Sendable {
    private let box: NIOLockedValueBox<LoadedPolicy>

    public init(_ policy: LoadedPolicy) {
        box = NIOLockedValueBox(policy)
    }

    public var current: LoadedPolicy { box.withLockedValue { $0 } }

    public func replace(with policy: LoadedPolicy) {
        box.withLockedValue { $0 = policy }
    }
}
