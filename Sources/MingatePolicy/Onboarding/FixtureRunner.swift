import Crypto
import Foundation

/// Runs fixtures through the real `Enforcer` with fixture keys: pseudonyms under `fixture-pseudonym-key`,
/// credentials `prefix + "fixture:" + reference`. The fixture names its caller by id; identity is the edge's
/// job, so no token is involved.
public struct FixtureRunner: Sendable {
    public let enforcer: Enforcer

    public init(policy: PolicySet) {
        var credentials: [String: String] = [:]
        for partner in policy.partners.values {
            if let injection = partner.credentials { credentials[partner.id] = injection.prefix + "fixture:\(injection.secret)" }
        }
        enforcer = Enforcer(
            policy: policy,
            keys: EnforcerKeys(
                pseudonym: SymmetricKey(data: Data("fixture-pseudonym-key".utf8)),
                ledger: SymmetricKey(data: Data("fixture-ledger-key".utf8)), credentials: credentials))
    }

    public struct Outcome: Sendable {
        public let fixture: PolicyFixture
        /// Empty when the fixture passed.
        public let differences: [String]
        public var passed: Bool { differences.isEmpty }
    }

    public static let boundary = "mingate-fixture-boundary"

    public func run(_ fixture: PolicyFixture) -> Outcome {
        let request = fixture.request
        var headers = request.headers
        var body: [UInt8] = []
        if let json = request.json {
            body = JSONWriter().bytes(json)
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) { headers.append(("Content-Type", "application/json")) }
        } else if let text = request.text {
            body = Array(text.utf8)
        } else if let parts = request.parts {
            body = MultipartBody(boundary: Self.boundary, parts: parts.map {
                MultipartBody.Part(name: $0.name, filename: $0.filename, contentType: $0.contentType, body: $0.bytes)
            }).serialised()
            headers.append(("Content-Type", "multipart/form-data; boundary=\(Self.boundary)"))
        }
        let target = request.path + (request.query.map { "?" + $0 } ?? "")
        let caller = fixture.caller.flatMap { id in enforcer.policy.callers.first { $0.id == id } }
        let decision = enforcer.decide(
            InboundRequest(method: request.method, target: target, headers: headers, body: body), caller: caller,
            requestID: "fixture")
        return Outcome(fixture: fixture, differences: Self.compare(decision, with: fixture.expectation, partner: enforcer.policy.partners))
    }

    static func compare(_ decision: Decision, with expectation: PolicyFixture.Expectation, partner partners: [String: Partner]) -> [String] {
        switch (decision, expectation) {
        case (.refuse(let refusal, _), .refuse(let status, let code)):
            var out: [String] = []
            if refusal.code.rawValue != code { out.append("refused with \(refusal.code.rawValue), expected \(code)") }
            if refusal.httpStatus != status { out.append("status \(refusal.httpStatus), expected \(status)") }
            return out
        case (.refuse(let refusal, _), .forward):
            return ["refused (\(refusal)), expected it forwarded"]
        case (.forward(let outbound, _), .refuse(_, let code)):
            return ["forwarded to \(outbound.url), expected a refusal \(code)"]
        case (.forward(let outbound, _), .forward(let expected)):
            var out: [String] = []
            if outbound.method != expected.method { out.append("method \(outbound.method), expected \(expected.method)") }
            let base = partners[outbound.partner].map { $0.baseURL.hasSuffix("/") ? String($0.baseURL.dropLast()) : $0.baseURL } ?? ""
            let rest = String(outbound.url.dropFirst(base.count))
            let path = rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? rest
            let query = rest.contains("?") ? String(rest.split(separator: "?", maxSplits: 1)[1]) : nil
            if path != expected.path { out.append("path \(path), expected \(expected.path)") }
            if query != expected.query { out.append("query \(query ?? "none"), expected \(expected.query ?? "none")") }
            let actualHeaders = Dictionary(outbound.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, b in a + ", " + b })
            let expectedHeaders = Dictionary(expected.headers.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, b in a + ", " + b })
            for (name, value) in expectedHeaders.sorted(by: { $0.key < $1.key }) {
                if let actual = actualHeaders[name] {
                    if actual != value && !(name == "content-type" && actual.hasPrefix("multipart/") && value.hasPrefix("multipart/")) {
                        out.append("header \(name): \(actual), expected \(value)")
                    }
                } else {
                    out.append("header \(name) missing")
                }
            }
            for name in actualHeaders.keys.sorted() where expectedHeaders[name] == nil {
                out.append("header \(name) sent but not expected")
            }
            if let json = expected.json {
                if let actual = try? JSONParser().parse(outbound.body) {
                    if actual != json { out.append("body \(JSONWriter().string(actual)), expected \(JSONWriter().string(json))") }
                } else {
                    out.append("body is not JSON")
                }
            } else if let text = expected.text {
                let actual = String(decoding: outbound.body, as: UTF8.self)
                if actual != text { out.append("body \(actual), expected \(text)") }
            } else if let parts = expected.parts {
                let contentType = outbound.headers.first { $0.name.lowercased() == "content-type" }?.value ?? ""
                let boundary = HeaderParameters.parse(contentType)["boundary"] ?? ""
                guard let parsed = try? MultipartBody.parse(outbound.body, boundary: boundary) else {
                    return out + ["body is not multipart"]
                }
                let actual = parsed.parts.map { PolicyFixture.Part(name: $0.name, contentType: $0.contentType, filename: $0.filename, bytes: $0.body) }
                if actual != parts {
                    out.append("parts \(actual.map(\.name)), expected \(parts.map(\.name)) (or their content differs)")
                }
            } else if !outbound.body.isEmpty {
                out.append("a body was sent, none expected")
            }
            return out
        }
    }
}
