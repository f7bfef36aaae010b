import Foundation
import Hummingbird
import MingateLedger
import MingatePolicy
import NIOCore

/// The operator's API, for the token in `MINGATE_ADMIN_TOKEN` (without one the group answers 404):
///
/// - `POST /admin/reload`: reload the policies now; 422 `policy_invalid` with every problem when they do not load.
/// - `GET /admin/status`: policy version, reloads, ledger health.
/// - `POST /admin/consents`: `{subject, partner, purpose, kind, state, evidence}`.
/// - `POST /admin/subjects/erase`: `{subject}`; tells every recipient of the person's data to erase it.
/// - `GET /admin/subjects/erasure?subject=`: the erasure status per partner.
/// - `POST /admin/subjects/notice-sent`: `{subject, erasure_id, partner, by, via, at?}`; a pending notice was sent.
struct AdminRoutes: Sendable {
    let reloader: PolicyReloader
    let ledger: LedgerWriter
    let policy: PolicyHolder
    let subjects: SubjectLedger
    let erasure: ErasureService

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.post("reload") { _, _ in reload() }
        group.get("status") { _, _ in status() }
        group.post("consents") { request, context in try await recordConsent(request, context) }
        group.post("subjects/erase") { request, _ in try await erase(request) }
        group.get("subjects/erasure") { request, _ in try await erasures(request) }
        group.post("subjects/notice-sent") { request, _ in try await noticeSent(request) }
    }

    func reload() -> Response {
        switch reloader.reload() {
        case .reloaded(let version, let warnings):
            return Response.json(200, ["result": "reloaded", "policy_version": .string(version), "warnings": .number(JSONNumber(warnings))])
        case .unchanged(let version):
            return Response.json(200, ["result": "unchanged", "policy_version": .string(version)])
        case .rejected(let reason):
            return Response.json(
                422,
                [
                    "result": "rejected", "policy_version": .string(policy.current.policy.version),
                    "error": .object(JSONObject([("code", .string(Refusal.Code.policyInvalid.rawValue)), ("message", .string(reason))])),
                ])
        }
    }

    func status() -> Response {
        let reloads = reloader.status
        let ledgerStatus = ledger.status
        return Response.json(200, [
            "policy_version": .string(policy.current.policy.version),
            "reloads_succeeded": .number(JSONNumber(reloads.succeeded)),
            "reloads_failed": .number(JSONNumber(reloads.failed)),
            "last_reload_error": reloads.lastError.map { .string($0) } ?? .null,
            "ledger_healthy": .bool(ledgerStatus.healthy),
            "ledger_committed": .number(JSONNumber(Int(ledgerStatus.committed))),
        ])
    }

    /// Reads a small JSON object body, or refuses with `code`.
    static func jsonBody(_ request: Request, code: Refusal.Code, expected: String) async throws -> JSONValue {
        var request = request
        guard let buffer = try? await request.collectBody(upTo: 16_384),
            let body = try? JSONParser().parse(Array(buffer.readableBytesView)), case .object = body
        else { throw Refusal(code, "send \(expected)") }
        return body
    }

    /// `{"subject", "partner", "purpose", "kind": purpose|transfer|guardian, "state": granted|withdrawn, "evidence"}`.
    func recordConsent(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        let expected = "{subject, partner, purpose, kind, state, evidence}"
        let body = try await Self.jsonBody(request, code: .badConsent, expected: expected)
        guard let subject = body["subject"]?.stringValue, !subject.isEmpty, let partner = body["partner"]?.stringValue,
            let purpose = body["purpose"]?.stringValue,
            let state = ConsentEvent.State(rawValue: body["state"]?.stringValue ?? "")
        else { throw Refusal(.badConsent, "send \(expected)") }
        let loaded = policy.current
        let need = try loaded.policy.checkConsent(
            partner: partner, purpose: purpose, kind: body["kind"]?.stringValue ?? "purpose", evidence: body["evidence"]?.stringValue)
        let event = ConsentEvent(
            requestID: context.requestID, subjectKey: loaded.enforcer.subjectKey(for: subject), partner: partner,
            purpose: purpose, kind: need, state: state, at: LedgerEncoding.timestamp(Date()),
            evidence: body["evidence"]?.stringValue.map(loaded.enforcer.evidence))
        do throws(LedgerError) {
            try await subjects.record(event)
        } catch {
            throw Refusal(reading: error)
        }
        return Response.json(200, [
            "result": "recorded", "subject_key": .string(event.subjectKey), "state": .string(state.rawValue),
            "at": .string(event.at), "evidence": event.evidence.map { .string($0) } ?? .null,
        ])
    }

    func erase(_ request: Request) async throws -> Response {
        let body = try await Self.jsonBody(request, code: .badRequest, expected: #"{"subject": "…"}"#)
        guard let subject = body["subject"]?.stringValue, !subject.isEmpty else {
            throw Refusal(.badRequest, #"send {"subject": "…"}"#)
        }
        let report: ErasureService.Report
        do {
            report = try await erasure.erase(subject: subject)
        } catch {
            throw Refusal(reading: error as? LedgerError ?? LedgerError(.storeFailed, "\(error)"))
        }
        return Response.json(200, [
            "erasure_id": .string(report.erasureID), "subject_key": .string(report.subjectKey),
            "partners": .array(report.statuses.map(Self.status)),
        ])
    }

    func erasures(_ request: Request) async throws -> Response {
        guard let query = request.uri.query, let fields = FormEncoding.decode(Substring(query)),
            let subject = fields.first(where: { $0.name == "subject" })?.value, !subject.isEmpty
        else { throw Refusal(.badRequest, "?subject=ID") }
        do throws(LedgerError) {
            let statuses = try await subjects.currentErasures(subjectKey: policy.current.enforcer.subjectKey(for: subject))
            return Response.json(200, ["erasures": .array(statuses.map(Self.status))])
        } catch {
            throw Refusal(reading: error)
        }
    }

    /// Marks a pending erasure notice sent: who sent it, how, when. Only a notice that is pending can be marked, and
    /// the new status is a new entry of the ledger (the pending one stays).
    func noticeSent(_ request: Request) async throws -> Response {
        let expected = "{subject, erasure_id, partner, by, via, at?}"
        let body = try await Self.jsonBody(request, code: .badRequest, expected: expected)
        // Taken as written (the subject as the gateway saw it, so its key matches), and never blank.
        func text(_ name: String) throws(Refusal) -> String {
            guard let value = body[name]?.stringValue, !value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
                value.count <= 200
            else { throw Refusal(.badRequest, "'\(name)' is required (at most 200 characters): send \(expected)") }
            return value
        }
        let subject = try text("subject"), erasureID = try text("erasure_id"), partner = try text("partner")
        let by = try text("by"), via = try text("via")
        let at = body["at"] == nil ? LedgerEncoding.timestamp(Date()) : body["at"]?.stringValue ?? ""
        guard LedgerEncoding.date(at) != nil else { throw Refusal(.badRequest, "at is an RFC 3339 UTC time like 2026-11-25T09:30:00Z") }
        let loaded = policy.current
        _ = try loaded.policy.checkPartner(partner)
        let subjectKey = loaded.enforcer.subjectKey(for: subject)
        let current: [ErasureStatus]
        do throws(LedgerError) {
            current = try await subjects.currentErasures(subjectKey: subjectKey)
        } catch {
            throw Refusal(reading: error)
        }
        guard let pending = current.first(where: { $0.erasureID == erasureID && $0.partner == partner }) else {
            throw Refusal(.notFound, "no erasure \(erasureID) for this subject at \(partner)")
        }
        guard pending.state == .noticePending else {
            throw Refusal(.badRequest, "the erasure at \(partner) is \(pending.state.rawValue), not notice_pending")
        }
        guard let sent = LedgerEncoding.date(at), let requested = LedgerEncoding.date(pending.at), sent >= requested else {
            throw Refusal(.badRequest, "at is before the erasure was requested (\(pending.at)): a notice is sent after it")
        }
        let status = ErasureStatus(
            erasureID: erasureID, subjectKey: subjectKey, partner: partner, channel: pending.channel, state: .noticeSent,
            at: at, detail: "by \(by); via \(via)")
        do throws(LedgerError) {
            try await subjects.record(status)
        } catch {
            throw Refusal(reading: error)
        }
        return Response.json(200, ["result": "recorded", "status": Self.status(status), "at": .string(at)])
    }

    static func status(_ status: ErasureStatus) -> JSONValue {
        .object(JSONObject([
            ("erasure_id", .string(status.erasureID)), ("partner", .string(status.partner)), ("channel", .string(status.channel)),
            ("status", .string(status.state.rawValue)), ("at", .string(status.at)), ("detail", status.detail.map { .string($0) } ?? .null),
        ]))
    }
}
