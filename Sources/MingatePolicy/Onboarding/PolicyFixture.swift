import Foundation
import Yams

/// One fixture of `partners/<id>/tests/*.yaml`: a request as a caller sends it, and exactly what the partner must
/// receive (or the refusal).
///
/// ```yaml
/// name: a full order is reduced to the order number and amount
/// caller: checkout-service          # omit for a request without a token
/// request:
///   method: POST
///   path: /p/midtrans/payment/v2/charge
///   headers: { Content-Type: application/json }
///   body: { payment_type: gopay, transaction_details: { order_id: ORD-1, gross_amount: 10000 } }
/// expect:
///   forward:
///     method: POST
///     path: /v2/charge
///     query: null
///     headers: { Content-Type: application/json, Authorization: "Basic fixture:env:MIDTRANS_SERVER_KEY_BASIC" }
///     body: { payment_type: gopay, transaction_details: { order_id: ORD-1, gross_amount: 10000 } }
/// # or:  expect: { refuse: { status: 415, code: unsupported_media_type } }
/// ```
/// `body` is JSON written as YAML; `body_text` is sent as it is; `multipart` lists parts
/// (`name`, `content_type`, `filename`, `text` or `base64`). Secrets are `fixture:<reference>`.
///
/// What comes back: `answer: {status, headers, body}` is the partner's answer, and `expect.returns: {status,
/// headers, body}` what the caller must get of it (cut to the purpose's `response:` allowlist, or whole).
///
/// A partner's hook has no `caller`; its request goes to `/w/{partner}/{hook}`, signed with the fixture secret, and
/// `expect.forward` (or `expect.deliver`) is what the internal service receives, its `path` under the service's
/// `hooks_url` (`/{partner}/{hook}`). `at` (RFC 3339 or Unix seconds) is the clock signed timestamps are checked
/// against; without it, now.
public struct PolicyFixture: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var contentType: String?
        public var filename: String?
        public var bytes: [UInt8]
    }

    /// A partner's answer, or what the caller gets back of it.
    public struct Answer: Sendable {
        public var status: Int?
        public var headers: [(name: String, value: String)]
        public var json: JSONValue?
        public var text: String?
    }

    public struct Message: Sendable {
        public var method: String
        public var path: String
        public var query: String?
        public var headers: [(name: String, value: String)]
        public var json: JSONValue?
        public var text: String?
        public var parts: [Part]?
    }

    public enum Expectation: Sendable {
        case forward(Message)
        case refuse(status: Int, code: String)
    }

    public let file: String
    public let name: String
    public let caller: String?
    public let request: Message
    public let expectation: Expectation
    /// The partner's answer to run through the purpose's `response:` allowlist, and what the caller must get.
    public let answer: Answer?
    public let returns: Answer?
    /// The clock for a hook's signed timestamp.
    public let at: Date?

    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public let file: String
        public let message: String
        public var description: String { "\(file): \(message)" }
    }

    public init(file: String, text: String) throws(ParseError) {
        self.file = file
        func fail(_ message: String) -> ParseError { ParseError(file: file, message: message) }
        guard let node = try? Yams.compose(yaml: text), case .mapping(let top) = node else { throw fail("not a YAML mapping") }
        name = top["name"]?.string ?? file
        caller = top["caller"]?.string
        guard let request = top["request"] else { throw fail("missing 'request'") }
        self.request = try Self.message(request, file: file, isRequest: true)
        guard case .mapping(let expect)? = top["expect"] else { throw fail("missing 'expect'") }
        if let forward = expect["forward"] ?? expect["deliver"] {
            expectation = .forward(try Self.message(forward, file: file, isRequest: false))
        } else if case .mapping(let refuse)? = expect["refuse"], let status = refuse["status"]?.int, let code = refuse["code"]?.string {
            expectation = .refuse(status: status, code: code)
        } else {
            throw fail("'expect' has 'forward' or 'refuse: {status, code}'")
        }
        answer = top["answer"].map(Self.answer)
        returns = expect["returns"].map(Self.answer)
        if (answer == nil) != (returns == nil) { throw fail("'answer' (the partner's) and 'expect.returns' (the caller's) go together") }
        if let text = top["at"]?.string {
            if let seconds = Double(text) {
                at = Date(timeIntervalSince1970: seconds)
            } else if let date = ISO8601DateFormatter().date(from: text) {
                at = date
            } else {
                throw fail("'at' is RFC 3339 (2026-11-25T10:00:00Z) or Unix seconds")
            }
        } else {
            at = nil
        }
    }

    static func answer(_ node: Node) -> Answer {
        guard case .mapping(let map) = node else { return Answer(status: nil, headers: [], json: nil, text: nil) }
        var headers: [(String, String)] = []
        if case .mapping(let headerMap)? = map["headers"] {
            for (key, value) in headerMap { headers.append((key.string ?? "", value.string ?? "")) }
        }
        return Answer(status: map["status"]?.int, headers: headers, json: map["body"].map(Self.json), text: map["body_text"]?.string)
    }

    static func message(_ node: Node, file: String, isRequest: Bool) throws(ParseError) -> Message {
        guard case .mapping(let map) = node, let method = map["method"]?.string, let path = map["path"]?.string else {
            throw ParseError(file: file, message: "a request has 'method' and 'path'")
        }
        var headers: [(String, String)] = []
        if case .mapping(let headerMap)? = map["headers"] {
            for (key, value) in headerMap { headers.append((key.string ?? "", value.string ?? "")) }
        }
        var parts: [Part]?
        if case .sequence(let list)? = map["multipart"] {
            parts = []
            for item in list {
                guard case .mapping(let part) = item, let name = part["name"]?.string else {
                    throw ParseError(file: file, message: "a part has a 'name'")
                }
                let bytes: [UInt8]
                if let base64 = part["base64"]?.string, let data = Data(base64Encoded: base64) {
                    bytes = Array(data)
                } else {
                    bytes = Array((part["text"]?.string ?? "").utf8)
                }
                parts?.append(Part(name: name, contentType: part["content_type"]?.string, filename: part["filename"]?.string, bytes: bytes))
            }
        }
        let query: String? = map["query"].flatMap { json($0) == .null ? nil : $0.string }
        return Message(
            method: method, path: path, query: query, headers: headers, json: map["body"].map(Self.json),
            text: map["body_text"]?.string, parts: parts)
    }

    /// A YAML node as JSON, keeping the order of mappings and the text of numbers.
    static func json(_ node: Node) -> JSONValue {
        switch node {
        case .mapping(let mapping):
            return .object(JSONObject(mapping.map { ($0.key.string ?? "", json($0.value)) }))
        case .sequence(let sequence):
            return .array(sequence.map(json))
        case .scalar(let scalar):
            let text = scalar.string
            guard scalar.style == .plain else { return .string(text) }
            switch text {
            case "null", "~", "": return .null
            case "true": return .bool(true)
            case "false": return .bool(false)
            default:
                // Numbers only in JSON's own spelling, so a YAML fixture cannot smuggle in 0x10 or .5.
                if case .number(let number)? = try? JSONParser().parse(text) { return .number(number) }
                return .string(text)
            }
        case .alias:
            return .null
        }
    }
}
