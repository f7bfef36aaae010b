import Foundation
import Hummingbird
import MingateLedger
import MingatePolicy
import NIOCore

/// The auditor's views beyond single records: the overview, the enforced policy and a person's access report. Each
/// reads the ledger through `AuditSearch.page`, the code behind `/audit/records`.
extension AuditRoutes {
    /// How many records one overview counts at most; beyond it the answer says `complete: false` and how far it got.
    static let overviewScanLimit = 200_000

    /// `GET /audit/overview?since=&until=&bucket=hour|day`. Defaults: the last 14 days by day (`bucket=hour`: the
    /// last 48 hours). Hourly buckets span at most 14 days, daily ones at most 400.
    func overview(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        log(context, "overview")
        let values = try Self.parameters(request, allowed: ["since", "until", "bucket"])
        guard let bucket = LedgerOverview.Bucket(rawValue: values["bucket"] ?? "day") else {
            throw Refusal(.badRequest, "bucket is hour or day")
        }
        let now = Date()
        func time(_ name: String) throws(Refusal) -> Date? {
            guard let text = values[name] else { return nil }
            guard let date = LedgerEncoding.date(text) else {
                throw Refusal(.badRequest, "\(name) is an RFC 3339 UTC time like 2026-11-25T00:00:00Z")
            }
            return date
        }
        let until = try time("until") ?? now
        let since = try time("since") ?? until.addingTimeInterval(bucket == .hour ? -48 * 3600 : -14 * 86400)
        guard since < until else { throw Refusal(.badRequest, "since is before until") }
        let span = until.timeIntervalSince(since)
        guard span <= (bucket == .hour ? 14 * 86400 : 400 * 86400) else {
            throw Refusal(.badRequest, bucket == .hour ? "hourly buckets span at most 14 days" : "daily buckets span at most 400 days")
        }
        let (sinceText, untilText) = (LedgerEncoding.timestamp(since), LedgerEncoding.timestamp(until))
        let policySet = policy.current.policy
        let empty = LedgerOverview(
            since: sinceText, until: untilText, bucket: bucket,
            sensitive: Set(policySet.categories.values.filter(\.sensitive).map(\.id)))
        let search = AuditSearch(filter: LedgerFilter(since: since, until: until))
        let (overview, complete, stored) = try await read { log throws(LedgerError) in
            var overview = empty
            let complete = try await search.each(log, limit: Self.overviewScanLimit) { entry in
                if let document = entry.document { overview.add(document) }
            }
            return (overview, complete, try await log.latestCheckpoint())
        }
        let status = writer.status
        var checkpoint: JSONValue = .null
        if let stored {
            let signers = (try? SignedNote(parsing: stored.note))?.signatures.map(\.name) ?? []
            let origin = stored.note.split(separator: "\n", omittingEmptySubsequences: false).first.map(String.init) ?? ""
            let age = LedgerEncoding.date(stored.createdAt).map { max(0, Int(now.timeIntervalSince($0).rounded(.down))) }
            checkpoint = .object(JSONObject([
                ("origin", .string(origin)), ("size", .number(JSONNumber(stored.size))), ("created_at", .string(stored.createdAt)),
                ("age_seconds", age.map { .number(JSONNumber($0)) } ?? .null), ("note", .string(stored.note)),
                // Mingate has no witnesses configured yet: a cosignature here is another key's line, shown, not checked.
                ("witnesses_configured", .number(JSONNumber(0))),
                ("cosignatures", .array(signers.filter { $0 != origin }.map { .string($0) })),
            ]))
        }
        func counts(_ rows: [(String, JSONValue)]) -> JSONValue { .object(JSONObject(rows)) }
        let body: JSONValue = .object(JSONObject([
            ("since", .string(sinceText)), ("until", .string(untilText)), ("bucket", .string(bucket.rawValue)),
            ("records", .number(JSONNumber(overview.scanned))), ("complete", .bool(complete)),
            ("forwarded", .number(JSONNumber(overview.forwarded))), ("refused", .number(JSONNumber(overview.refused))),
            ("buckets", .array(overview.buckets.map { .string($0) })),
            ("by_partner", .array(overview.byPartner.map { row in
                counts([("partner", .string(row.partner)), ("counts", .array(row.counts.map { .number(JSONNumber($0)) }))])
            })),
            ("by_category", .array(overview.byCategory.map { row in
                counts([("category", .string(row.category)), ("sensitive", .bool(row.sensitive)), ("records", .number(JSONNumber(row.records)))])
            })),
            ("refusals_by_reason", .array(overview.refusalsByReason.map { row in
                counts([("reason", .string(row.name)), ("count", .number(JSONNumber(row.count)))])
            })),
            ("withheld_by_caller", .array(overview.withheldByCaller.map { row in
                counts([
                    ("caller", .string(row.caller)), ("disclosed", .number(JSONNumber(row.disclosed))),
                    ("withheld", .number(JSONNumber(row.withheld))), ("share", .number(JSONNumber(text: String(format: "%.4f", row.share), value: row.share))),
                ])
            })),
            ("log", counts([
                ("size", .number(JSONNumber(Int(writer.size)))), ("unsigned", .number(JSONNumber(Int(writer.unsignedEntries)))),
                ("healthy", .bool(status.healthy)), ("checkpoint", checkpoint),
            ])),
            ("charts", counts([
                ("disclosures_over_time", .string(OverviewCharts.disclosuresOverTime(overview))),
                ("by_category", .string(OverviewCharts.byCategory(overview))),
                ("refusals_by_reason", .string(OverviewCharts.refusalsByReason(overview))),
                ("withheld_by_caller", .string(OverviewCharts.withheldByCaller(overview))),
            ])),
        ]))
        return Response.json(200, body)
    }

    /// `GET /audit/policy`: what may leave for each partner and purpose, in what form, on what basis, to which country;
    /// the model behind `mingate report processing`.
    func processing(_ context: GatewayRequestContext) -> Response {
        log(context, "policy")
        return Response.json(200, ProcessingRecord(policy.current.policy).json)
    }

    /// `POST /audit/subjects/report` with `{"subject": ID, "language": "id"|"en", "reference": TEXT, "format":
    /// "html"|"json"}`: the access report `mingate subject report` prints, for the person the auditor names. The id
    /// is in the body, not the URL, so it is in no access log; the gateway's log says only that a report was made.
    func subjectReport(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        log(context, "subject report")
        let expected = #"{"subject": ID, "language": "id" or "en", "reference": TEXT, "format": "html" or "json"}"#
        let body = try await AdminRoutes.jsonBody(request, code: .badRequest, expected: expected)
        guard case .object(let object) = body else { throw Refusal(.badRequest, "send \(expected)") }
        for name in object.members.map(\.name) where !["subject", "language", "reference", "format"].contains(name) {
            throw Refusal(.badRequest, "unknown member '\(name)': send \(expected)")
        }
        guard let subject = body["subject"]?.stringValue, !subject.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty,
            subject.count <= 200
        else { throw Refusal(.badRequest, "'subject' is the customer id as the services send it (at most 200 characters)") }
        guard let language = AccessReport.Language(rawValue: body["language"] == nil ? "id" : body["language"]?.stringValue ?? "") else {
            throw Refusal(.badRequest, "language is id or en")
        }
        let format = body["format"] == nil ? "html" : body["format"]?.stringValue ?? ""
        guard ["html", "json"].contains(format) else { throw Refusal(.badRequest, "format is html or json") }
        var reference: String?
        if let value = body["reference"], value != .null {
            guard let text = value.stringValue, text.count <= 200 else { throw Refusal(.badRequest, "reference is a text of at most 200 characters") }
            reference = text
        }
        let loaded = policy.current
        let subjectKey = loaded.enforcer.subjectKey(for: subject)
        let search = AuditSearch(filter: LedgerFilter(subjectKey: subjectKey))
        let entries = try await read { log throws(LedgerError) in
            var entries: [LedgerEntry] = []
            _ = try await search.each(log) { entries.append($0) }
            return entries
        }
        let history = try await read { _ throws(LedgerError) in try await subjects.history(subjectKey: subjectKey) }
        let erasures = try await read { _ throws(LedgerError) in try await subjects.currentErasures(subjectKey: subjectKey) }
        let report = AccessReport(
            subjectKey: subjectKey, reference: reference, entries: entries, consents: history, erasures: erasures,
            policy: loaded.policy, language: language)
        if format == "json" { return Response.json(200, report.json) }
        return Response(
            status: .ok, headers: [.contentType: "text/html; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: report.html)))
    }
}
