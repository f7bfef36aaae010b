import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOCore

/// The auditor's reads of the ledger, for bearer tokens in `policies/auditors.yaml` only (the group's
/// authenticator has identified the auditor before these run):
///
/// - `GET /audit/checkpoint`: the latest signed checkpoint (text/plain).
/// - `GET /audit/records?partner=&purpose=&caller=&subject_key=&decision=&since=&until=&after=&limit=`:
///   `{"checkpoint": …, "records": […], "next_after": …}`, oldest first; pass `next_after` as `after` for the next page.
/// - `GET /audit/proof/{seq}`: an offline receipt for one record (c2sp.org/tlog-proof shape).
///
/// Every parameter is parsed strictly: a bad escape, an unknown parameter value or a limit out of range is a 400
/// with a code, never a silently wider answer. Reads go through the ledger log's readers, never the writer's
/// connection.
struct AuditRoutes: Sendable {
    let ledger: any LedgerLog
    let policy: PolicyHolder

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.get("checkpoint") { _, context in try await checkpoint(context) }
        group.get("records") { request, context in try await records(request, context) }
        group.get("proof/:seq") { _, context in try await proof(context) }
    }

    private func log(_ context: GatewayRequestContext, _ what: String) {
        context.logger.info("audit read", metadata: ["auditor.id": "\(context.auditor?.id ?? "-")", "audit.resource": "\(what)"])
    }

    func checkpoint(_ context: GatewayRequestContext) async throws -> Response {
        log(context, "checkpoint")
        guard let note = try await read({ log throws(LedgerError) in try await log.checkpoints().last?.note }) else {
            throw Refusal(.notFound, "no checkpoint yet")
        }
        return Response.text(note)
    }

    func proof(_ context: GatewayRequestContext) async throws -> Response {
        log(context, "proof")
        guard let text = context.parameters.get("seq"), let sequence = Int64(text), sequence >= 0, sequence < Int64.max else {
            throw Refusal(.badRequest, "a record's sequence number is a non-negative integer")
        }
        let receipt = try await read { log throws(LedgerError) in try await log.receipt(for: sequence) }
        return Response.text(receipt.text)
    }

    static let recordParameters: Set<String> = [
        "partner", "purpose", "caller", "subject_key", "decision", "since", "until", "after", "limit",
    ]

    func records(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        log(context, "records")
        var values: [String: String] = [:]
        if let query = request.uri.query, !query.isEmpty {
            guard let fields = FormEncoding.decode(Substring(query)) else {
                throw Refusal(.badRequest, "the query string has a broken percent-escape")
            }
            for field in fields {
                guard Self.recordParameters.contains(field.name) else {
                    throw Refusal(.badRequest, "unknown parameter '\(field.name)'")
                }
                guard values[field.name] == nil else { throw Refusal(.badRequest, "parameter '\(field.name)' given twice") }
                values[field.name] = field.value
            }
        }
        if let decision = values["decision"], !["forward", "refuse"].contains(decision) {
            throw Refusal(.badRequest, "decision is forward or refuse")
        }
        for bound in ["since", "until"] {
            if let text = values[bound], !Self.isTimestamp(text) {
                throw Refusal(.badRequest, "\(bound) is an RFC 3339 UTC time like 2026-11-25T00:00:00Z")
            }
        }
        var after: Int64 = -1
        if let text = values["after"] {
            guard let value = Int64(text), value >= -1 else { throw Refusal(.badRequest, "after is a sequence number") }
            after = value
        }
        var limit = 100
        if let text = values["limit"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw Refusal(.badRequest, "limit is a whole number from 1 to 1000")
            }
            limit = value
        }
        try policy.current.policy.checkSearch(partner: values["partner"], purpose: values["purpose"], caller: values["caller"])
        let (start, count) = (after, limit)
        let filter = LedgerFilter(
            partner: values["partner"], purpose: values["purpose"], caller: values["caller"],
            subjectKey: values["subject_key"], decision: values["decision"], since: values["since"],
            until: values["until"])
        let (note, entries) = try await read { log throws(LedgerError) in
            (try await log.checkpoints().last?.note, try await log.query(filter, after: start, limit: count))
        }
        var body: [UInt8] = Array(#"{"checkpoint":"#.utf8)
        if let note { JSONWriter.writeString(note, into: &body) } else { body += Array("null".utf8) }
        body += Array(#","records":["#.utf8)
        for (offset, entry) in entries.enumerated() {
            if offset > 0 { body.append(UInt8(ascii: ",")) }
            body += entry.encoded
        }
        body += Array(#"],"next_after":"#.utf8)
        body += Array((entries.count == limit ? entries.last.map { String($0.sequence) } ?? "null" : "null").utf8)
        body.append(UInt8(ascii: "}"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// `YYYY-MM-DDThh:mm:ss[.fff]Z`: compared as text against the ledger's own timestamps, which have this form.
    static func isTimestamp(_ text: String) -> Bool {
        let bytes = Array(text.utf8)
        guard bytes.count == 20 || bytes.count == 24, bytes.last == UInt8(ascii: "Z") else { return false }
        let pattern = Array("dddd-dd-ddTdd:dd:dd".utf8)
        for (index, expected) in pattern.enumerated() {
            let byte = bytes[index]
            if expected == UInt8(ascii: "d") {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return false }
            } else if byte != expected {
                return false
            }
        }
        if bytes.count == 24 {
            guard bytes[19] == UInt8(ascii: "."), bytes[20..<23].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) })
            else { return false }
        }
        return true
    }

    private func read<T: Sendable>(_ body: (any LedgerLog) async throws(LedgerError) -> T) async throws(Refusal) -> T {
        do {
            return try await body(ledger)
        } catch where error.code == .notFound {
            throw Refusal(.notFound, error.message)
        } catch {
            throw Refusal(.ledgerUnavailable, "the ledger cannot be read now")
        }
    }
}
