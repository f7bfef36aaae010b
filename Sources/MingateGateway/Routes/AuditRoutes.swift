import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOCore

/// The auditor's reads of the ledger, for bearer tokens in `policies/auditors.yaml` only (the group's
/// authenticator has identified the auditor before these run):
///
/// - `GET /audit/checkpoint`: the latest signed checkpoint (text/plain).
/// - `GET /audit/records?partner=&purpose=&caller=&subject_key=&decision=&reason=&request_id=&since=&until=&after=&limit=`:
///   `{"checkpoint": …, "records": […], "next_after": …}`, oldest first; pass `next_after` as `after` for the next page.
///   With `request_id`, the request's outcome entry comes with its decision.
/// - `GET /audit/proof/{seq}`: an offline receipt for one record (c2sp.org/tlog-proof@v1, the record in `extra`).
/// - `GET /audit/consistency?from=M&to=N`: an RFC 9162 consistency proof from tree size M to the signed checkpoint of
///   size N (default: the latest), as `old M`, the hashes, a blank line and that checkpoint (text/plain).
/// - `GET /audit/overview?since=&until=&bucket=hour|day`: counts and server-drawn SVG charts (`AuditRoutes+Overview`).
/// - `GET /audit/policy`: the enforced policy per partner and purpose, from the record of processing activities.
/// - `POST /audit/subjects/report`: `{subject, language?, reference?, format?}`, a person's access report.
///
/// Every parameter is parsed strictly: a bad escape, an unknown parameter value or a limit out of range is a 400
/// with a code, never a silently wider answer. Reads go through the ledger log's readers, never the writer's
/// connection.
struct AuditRoutes: Sendable {
    let ledger: any LedgerLog
    let writer: LedgerWriter
    let policy: PolicyHolder
    let subjects: SubjectLedger

    func add(to group: RouterGroup<GatewayRequestContext>) {
        group.get("checkpoint") { _, context in try await checkpoint(context) }
        group.get("records") { request, context in try await records(request, context) }
        group.get("proof/:seq") { _, context in try await proof(context) }
        group.get("consistency") { request, context in try await consistency(request, context) }
        group.get("overview") { request, context in try await overview(request, context) }
        group.get("policy") { _, context in processing(context) }
        group.post("subjects/report") { request, context in try await subjectReport(request, context) }
    }

    func log(_ context: GatewayRequestContext, _ what: String) {
        context.logger.info("audit read", metadata: ["auditor.id": "\(context.auditor?.id ?? "-")", "audit.resource": "\(what)"])
    }

    func checkpoint(_ context: GatewayRequestContext) async throws -> Response {
        log(context, "checkpoint")
        guard let note = try await read({ log throws(LedgerError) in try await log.latestCheckpoint()?.note }) else {
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

    func consistency(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        log(context, "consistency")
        let values = try Self.parameters(request, allowed: ["from", "to"])
        func size(_ name: String) throws(Refusal) -> Int? {
            guard let text = values[name] else { return nil }
            guard let value = TlogText.decimal(text), value > 0 else {
                throw Refusal(.badRequest, "\(name) is a tree size: a whole number from 1 (every log extends the empty tree)")
            }
            return value
        }
        guard let from = try size("from") else { throw Refusal(.badRequest, "from (the older tree size) is required") }
        let to = try size("to")
        if let to, from > to { throw Refusal(.badRequest, "from is the older tree size, no larger than to") }
        let proof = try await read { log throws(LedgerError) in
            var new = to
            if new == nil { new = try await log.latestCheckpoint()?.size }
            guard let new else { throw LedgerError(.notFound, "no checkpoint yet") }
            return try await log.consistency(from: from, to: new)
        }
        return Response.text(proof.text)
    }

    /// The query string as checked values: every name known, none twice, escapes well formed.
    static func parameters(_ request: Request, allowed: Set<String>) throws(Refusal) -> [String: String] {
        var values: [String: String] = [:]
        guard let query = request.uri.query, !query.isEmpty else { return values }
        guard let fields = FormEncoding.decode(Substring(query)) else {
            throw Refusal(.badRequest, "the query string has a broken percent-escape")
        }
        for field in fields {
            guard allowed.contains(field.name) else { throw Refusal(.badRequest, "unknown parameter '\(field.name)'") }
            guard values[field.name] == nil else { throw Refusal(.badRequest, "parameter '\(field.name)' given twice") }
            values[field.name] = field.value
        }
        return values
    }

    func records(_ request: Request, _ context: GatewayRequestContext) async throws -> Response {
        log(context, "records")
        let values = try Self.parameters(request, allowed: AuditSearch.parameters.union(["after", "limit"]))
        var after = LedgerPosition.start
        if let text = values["after"] {
            guard let value = LedgerPosition(text: text, origin: values["origin"]) else {
                throw Refusal(.badRequest, "after is the previous page's next_after: a sequence number, or ORIGIN#SEQ")
            }
            after = value
        }
        var limit = 100
        if let text = values["limit"] {
            guard let value = Int(text), (1...1000).contains(value) else {
                throw Refusal(.badRequest, "limit is a whole number from 1 to 1000")
            }
            limit = value
        }
        let search = try AuditSearch(values, policy: policy.current.policy)
        let (checkpoint, page) = try await read { log throws(LedgerError) in
            (try await log.latestCheckpoint(), try await search.page(log, after: after, limit: limit))
        }
        var body: [UInt8] = Array(#"{"checkpoint":"#.utf8)
        if let note = checkpoint?.note { JSONWriter.writeString(note, into: &body) } else { body += Array("null".utf8) }
        body += Array(#","records":["#.utf8)
        for (offset, entry) in page.entries.enumerated() {
            if offset > 0 { body.append(UInt8(ascii: ",")) }
            body += entry.encoded
        }
        // Each record's log, in the same order (the records stay byte for byte what the tree holds). A store of one
        // log names it by its checkpoints.
        let ownOrigin = checkpoint?.origin
        let origins = page.entries.map { $0.origin.isEmpty ? ownOrigin : $0.origin }
        body += Array(#"],"origins":["#.utf8)
        for (offset, origin) in origins.enumerated() {
            if offset > 0 { body.append(UInt8(ascii: ",")) }
            if let origin { JSONWriter.writeString(origin, into: &body) } else { body += Array("null".utf8) }
        }
        // The shape entries the page's version 2 decisions name, byte for byte too, keyed `ORIGIN#SEQ`: the record's
        // entry in `origins` ("" when null) and its `shape`.
        body += Array(#"],"shapes":{"#.utf8)
        var written: Set<String> = []
        for (entry, origin) in zip(page.entries, origins) {
            guard let shape = entry.shape, let reference = entry.shapeReference else { continue }
            let key = "\(origin ?? "")#\(reference)"
            guard written.insert(key).inserted else { continue }
            if written.count > 1 { body.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(key, into: &body)
            body.append(UInt8(ascii: ":"))
            body += shape.encoded
        }
        body += Array(#"},"next_after":"#.utf8)
        switch page.next {
        case let next? where next.origin.isEmpty: body += Array(String(next.sequence).utf8)
        case let next?: JSONWriter.writeString(next.text, into: &body)
        case nil: body += Array("null".utf8)
        }
        body.append(UInt8(ascii: "}"))
        return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    func read<T: Sendable>(_ body: (any LedgerLog) async throws(LedgerError) -> T) async throws(Refusal) -> T {
        do {
            return try await body(ledger)
        } catch {
            throw Refusal(reading: error)
        }
    }
}
