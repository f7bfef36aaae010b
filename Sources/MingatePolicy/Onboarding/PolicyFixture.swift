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
public struct PolicyFixture: Sendable {
    public struct Part: Sendable, Equatable {
        public var name: String
        public var contentType: String?
        public var filename: String?
        public var bytes: [UInt8]
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
        if let forward = expect["forward"] {
            expectation = .forward(try Self.message(forward, file: file, isRequest: false))
        } else if case .mapping(let refuse)? = expect["refuse"], let status = refuse["status"]?.int, let code = refuse["code"]?.string {
            expectation = .refuse(status: status, code: code)
        } else {
            throw fail("'expect' has 'forward' or 'refuse: {status, code}'")
        }
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
