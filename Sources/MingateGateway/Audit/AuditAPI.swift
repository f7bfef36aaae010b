import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix

/// The auditor's HTTP reads of the ledger, for bearer tokens in `policies/auditors.yaml` only:
///
/// - `GET /audit/checkpoint`: the latest signed checkpoint (text/plain).
/// - `GET /audit/records?partner=&purpose=&caller=&subject_key=&decision=&since=&until=&after=&limit=`:
///   `{"checkpoint": …, "records": […], "next_after": …}`, oldest first; pass `next_after` as `after` for the next page.
/// - `GET /audit/proof/{seq}`: an offline receipt for one record (c2sp.org/tlog-proof shape).
///
/// Reads use a store connection of their own, on NIO's blocking thread pool, never the writer's.
struct AuditAPI: Sendable {
    let ledgerURL: String
    let policy: PolicyHolder
    let logger: Logger
    private let reader: AuditReader

    init(ledgerURL: String, policy: PolicyHolder, logger: Logger) {
        self.ledgerURL = ledgerURL
        self.policy = policy
        self.logger = logger
        self.reader = AuditReader(ledgerURL: ledgerURL)
    }

    func respond(to request: Request, target: String) async -> Response {
        guard let auditor = authenticate(request) else {
            return ErrorBody.response(status: 401, code: "unauthenticated", message: "send 'Authorization: Bearer <auditor token>'", requestID: nil)
        }
        guard request.method == .get else {
            return ErrorBody.response(status: 405, code: "method_not_allowed", message: "the audit API is read-only", requestID: nil)
        }
        let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? target
        let query = target.contains("?") ? FormEncoding.decode(target.split(separator: "?", maxSplits: 1)[1]) ?? [] : []
        var log = logger
        log[metadataKey: "auditor.id"] = "\(auditor.id)"
        log.info("audit read", metadata: ["audit.path": "\(path)"])
        do {
            switch path {
            case "/audit/checkpoint":
                guard let note = try await read({ try $0.checkpoints().last?.note }) else {
                    return ErrorBody.response(status: 404, code: "not_found", message: "no checkpoint yet", requestID: nil)
                }
                return Self.text(note)
            case "/audit/records":
                return try await records(query)
            default:
                if path.hasPrefix("/audit/proof/"), let sequence = Int64(path.dropFirst("/audit/proof/".count)) {
                    let receipt = try await read { try InclusionReceipt.make(for: sequence, from: $0) }
                    return Self.text(receipt.text)
                }
                return ErrorBody.response(status: 404, code: "not_found", message: "no such audit resource", requestID: nil)
            }
        } catch let error as LedgerError where error.code == .notFound {
            return ErrorBody.response(status: 404, code: "not_found", message: error.message, requestID: nil)
        } catch {
            return ErrorBody.response(status: 503, code: "ledger_unavailable", message: "the ledger cannot be read now", requestID: nil)
        }
    }

    private func records(_ query: [(name: String, value: String)]) async throws -> Response {
        func value(_ name: String) -> String? { query.first { $0.name == name }?.value }
        let filter = LedgerFilter(
            partner: value("partner"), purpose: value("purpose"), caller: value("caller"), subjectKey: value("subject_key"),
            decision: value("decision"), since: value("since"), until: value("until"))
        let after = value("after").flatMap { Int64($0) } ?? -1
        let limit = min(max(value("limit").flatMap { Int($0) } ?? 100, 1), 1000)
        let (note, entries) = try await read { store in
            (try store.checkpoints().last?.note, try store.query(filter, after: after, limit: limit))
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

    /// Runs a blocking read on the thread pool with the reader's own store connection (opened once).
    private func read<T: Sendable>(_ body: @escaping @Sendable (any LedgerStore) throws -> T) async throws -> T {
        try await NIOThreadPool.singleton.runIfActive { [reader] in try reader.read(body) }
    }

    private func authenticate(_ request: Request) -> Auditor? {
        guard let token = KeyedDigests.bearerToken(request.headers[.authorization]) else { return nil }
        return KeyedDigests.firstMatch(token, in: policy.current.policy.auditors, digest: \.tokenDigest)
    }

    static func text(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}

/// The auditor API's own store connection. A store has one user at a time: every use is under `lock`.
final class AuditReader: @unchecked Sendable {
    private let lock = NSLock()
    private let ledgerURL: String
    private var store: (any LedgerStore)?

    init(ledgerURL: String) {
        self.ledgerURL = ledgerURL
    }

    func read<T>(_ body: (any LedgerStore) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if store == nil { store = try LedgerURL(ledgerURL).open() }
        do {
            return try body(store!)
        } catch {
            store = nil  // reopen next time
            throw error
        }
    }
}
