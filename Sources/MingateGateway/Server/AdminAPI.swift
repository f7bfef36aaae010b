import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import MingateLedger
import MingatePolicy
import NIOCore

/// `POST /admin/reload` (reload the policies now) and `GET /admin/status`, for the token in
/// `MINGATE_ADMIN_TOKEN`. Without a token configured they do not exist (404).
struct AdminAPI: Sendable {
    let tokenDigest: [UInt8]?
    let reloader: PolicyReloader
    let ledger: LedgerWriter
    let policy: PolicyHolder
    let consents: ConsentChecker
    let erasure: ErasureService

    init(
        token: String?, reloader: PolicyReloader, ledger: LedgerWriter, policy: PolicyHolder, consents: ConsentChecker,
        erasure: ErasureService
    ) {
        self.consents = consents
        self.erasure = erasure
        self.tokenDigest = token.map { KeyedDigests.tokenDigest($0) }
        self.reloader = reloader
        self.ledger = ledger
        self.policy = policy
    }

    func respond(to request: Request, target: String) async -> Response {
        guard let tokenDigest else {
            return ErrorBody.response(status: 404, code: "not_found", message: "the admin API is off (no MINGATE_ADMIN_TOKEN)", requestID: nil)
        }
        guard let token = KeyedDigests.bearerToken(request.headers[.authorization]) else {
            return ErrorBody.response(status: 401, code: "unauthenticated", message: "send 'Authorization: Bearer <admin token>'", requestID: nil)
        }
        guard KeyedDigests.firstMatch(token, in: [tokenDigest], digest: { $0 }) != nil else {
            return ErrorBody.response(status: 401, code: "unauthenticated", message: "unknown admin token", requestID: nil)
        }
        switch (request.method, target) {
        case (.post, "/admin/reload"):
            switch reloader.reload() {
            case .reloaded(let version, let warnings):
                return Self.json(200, ["result": "reloaded", "policy_version": .string(version), "warnings": .number(JSONNumber(warnings))])
            case .unchanged(let version):
                return Self.json(200, ["result": "unchanged", "policy_version": .string(version)])
            case .rejected(let reason):
                return Self.json(
                    422,
                    ["result": "rejected", "policy_version": .string(policy.current.policy.version),
                     "error": .object(JSONObject([("code", "policy_invalid"), ("message", .string(reason))]))])
            }
        case (.get, "/admin/status"):
            let reloads = reloader.status
            let ledgerStatus = ledger.status
            return Self.json(200, [
                "policy_version": .string(policy.current.policy.version),
                "reloads_succeeded": .number(JSONNumber(reloads.succeeded)),
                "reloads_failed": .number(JSONNumber(reloads.failed)),
                "last_reload_error": reloads.lastError.map { .string($0) } ?? .null,
                "ledger_healthy": .bool(ledgerStatus.healthy),
                "ledger_committed": .number(JSONNumber(Int(ledgerStatus.committed))),
            ])
        case (.post, "/admin/consents"):
            return await recordConsent(request)
        case (.post, "/admin/subjects/erase"):
            var request = request
            guard let buffer = try? await request.collectBody(upTo: 16_384),
                let subject = (try? JSONParser().parse(Array(buffer.readableBytesView)))?["subject"]?.stringValue, !subject.isEmpty
            else {
                return ErrorBody.response(status: 400, code: "bad_request", message: "send {\"subject\": \"…\"}", requestID: nil)
            }
            do {
                let report = try await erasure.erase(subject: subject)
                return Self.json(200, [
                    "erasure_id": .string(report.erasureID), "subject_key": .string(report.subjectKey),
                    "partners": .array(report.statuses.map(Self.status)),
                ])
            } catch {
                return ErrorBody.response(status: 503, code: "ledger_unavailable", message: "the ledger cannot be read now", requestID: nil)
            }
        case (.get, _) where target.hasPrefix("/admin/subjects/erasure?"):
            let query = FormEncoding.decode(target.split(separator: "?", maxSplits: 1)[1]) ?? []
            guard let subject = query.first(where: { $0.name == "subject" })?.value else {
                return ErrorBody.response(status: 400, code: "bad_request", message: "?subject=ID", requestID: nil)
            }
            do {
                let statuses = try await consents.erasures(subjectKey: policy.current.enforcer.subjectKey(for: subject))
                return Self.json(200, ["erasures": .array(statuses.map(Self.status))])
            } catch {
                return ErrorBody.response(status: 503, code: "consent_unavailable", message: "the store cannot be read now", requestID: nil)
            }
        default:
            return ErrorBody.response(status: 404, code: "not_found", message: "POST /admin/reload, POST /admin/consents or GET /admin/status", requestID: nil)
        }
    }

    /// `{"subject", "partner", "purpose", "kind": purpose|transfer|guardian, "state": granted|withdrawn, "evidence"}`.
    private func recordConsent(_ request: Request) async -> Response {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 16_384), let body = try? JSONParser().parse(Array(buffer.readableBytesView)),
            let subject = body["subject"]?.stringValue, !subject.isEmpty, let partner = body["partner"]?.stringValue,
            let purpose = body["purpose"]?.stringValue,
            let kind = ConsentEvent.Kind(rawValue: body["kind"]?.stringValue ?? "purpose"),
            let state = ConsentEvent.State(rawValue: body["state"]?.stringValue ?? "")
        else {
            return ErrorBody.response(status: 400, code: "bad_consent", message: "send {subject, partner, purpose, kind, state, evidence}", requestID: nil)
        }
        let loaded = policy.current
        guard loaded.policy.partners[partner]?.purposes[purpose] != nil else {
            return ErrorBody.response(status: 404, code: "unknown_purpose", message: "no purpose \(partner)/\(purpose)", requestID: nil)
        }
        let event = ConsentEvent(
            subjectKey: loaded.enforcer.subjectKey(for: subject), partner: partner, purpose: purpose, kind: kind, state: state,
            at: LedgerEncoding.timestamp(Date()), evidence: body["evidence"]?.stringValue)
        do {
            try await consents.record(event)
        } catch {
            return ErrorBody.response(status: 503, code: "consent_unavailable", message: "the consent store cannot be written", requestID: nil)
        }
        return Self.json(200, ["result": "recorded", "subject_key": .string(event.subjectKey), "state": .string(state.rawValue), "at": .string(event.at)])
    }

    static func status(_ status: ErasureStatus) -> JSONValue {
        .object(JSONObject([
            ("erasure_id", .string(status.erasureID)), ("partner", .string(status.partner)), ("channel", .string(status.channel)),
            ("status", .string(status.state.rawValue)), ("at", .string(status.at)), ("detail", status.detail.map { .string($0) } ?? .null),
        ]))
    }

    static func json(_ status: Int, _ body: JSONValue) -> Response {
        Response(status: .init(code: status), headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(body))))
    }
}
