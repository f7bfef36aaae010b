import Crypto
import Foundation

/// Runs fixtures through the real `Enforcer` with fixture keys: pseudonyms under `fixture-pseudonym-key`,
/// credentials `prefix + "fixture:" + reference`. The fixture names its caller by id; identity is the edge's
/// job, so no token is involved.
public struct FixtureRunner: Sendable {
    public let enforcer: Enforcer

    public init(policy: PolicySet) {
        var credentials: [String: String] = [:]
        var hookSecrets: [String: [UInt8]] = [:]
        for partner in policy.partners.values {
            if let injection = partner.credentials { credentials[partner.id] = injection.prefix + "fixture:\(injection.secret)" }
            for hook in partner.hooks.values {
                hookSecrets[EnforcerKeys.hookSecretName(partner: partner.id, hook: hook.id)] = Array("fixture:\(hook.verification.secret)".utf8)
            }
        }
        enforcer = Enforcer(
            policy: policy,
            keys: EnforcerKeys(
                pseudonym: SymmetricKey(data: Data("fixture-pseudonym-key".utf8)),
                ledger: SymmetricKey(data: Data("fixture-ledger-key".utf8)), credentials: credentials, hookSecrets: hookSecrets))
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
        var body = Self.encode(json: request.json, text: request.text, into: &headers)
        if let parts = request.parts, request.json == nil, request.text == nil {
            body = MultipartBody(boundary: Self.boundary, parts: parts.map {
                MultipartBody.Part(name: $0.name, filename: $0.filename, contentType: $0.contentType, body: $0.bytes)
            }).serialised()
            headers.append(("Content-Type", "multipart/form-data; boundary=\(Self.boundary)"))
        }
        let target = request.path + (request.query.map { "?" + $0 } ?? "")
        let inbound = InboundRequest(method: request.method, target: target, headers: headers, body: body)
        let decision: Decision
        if target.hasPrefix(Enforcer.hookPrefix) {
            decision = enforcer.decideHook(inbound, now: fixture.at ?? Date(), requestID: "fixture")
        } else {
            let caller = fixture.caller.flatMap { id in enforcer.policy.callers.first { $0.id == id } }
            decision = enforcer.decide(inbound, caller: caller, requestID: "fixture")
        }
        var differences = Self.compare(decision, with: fixture.expectation, policy: enforcer.policy)
        if let answer = fixture.answer, let expected = fixture.returns, case .forward(_, let record) = decision {
            differences += returned(answer, expected, record)
        }
        return Outcome(fixture: fixture, differences: differences)
    }

    /// The partner's answer through the purpose's `response:` allowlist (or whole, without one), against what the
    /// fixture says the caller gets.
    func returned(_ answer: PolicyFixture.Answer, _ expected: PolicyFixture.Answer, _ record: Disclosure) -> [String] {
        var headers = answer.headers
        let body = Self.encode(json: answer.json, text: answer.text, into: &headers)
        let raw = PartnerAnswer(status: answer.status ?? 200, headers: headers, body: body)
        let got: (status: Int, headers: [(name: String, value: String)], body: [UInt8])
        if let minimiser = enforcer.answerMinimiser(for: record) {
            let minimised = minimiser.minimise(raw)
            got = (minimised.status, minimised.headers, minimised.body)
        } else {
            got = (raw.status, raw.headers, raw.body)
        }
        var out: [String] = []
        if let status = expected.status, status != got.status { out.append("returned status \(got.status), expected \(status)") }
        out += Self.compareHeaders(got.headers, expected.headers, what: "returned header", ignoring: ["content-type"])
        out += Self.compareBody(got.body, json: expected.json, text: expected.text, what: "returned body")
        return out
    }

    static func compare(_ decision: Decision, with expectation: PolicyFixture.Expectation, policy: PolicySet) -> [String] {
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
            // A partner call's URL starts with the partner's base URL; a hook's with its service's hooks_url.
            let record = decision.disclosure
            let baseURL =
                record.direction == .inbound
                ? policy.callers.first { $0.id == record.caller }?.hooksURL : policy.partners[outbound.partner]?.baseURL
            let base = baseURL.map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 } ?? ""
            let rest = String(outbound.url.dropFirst(base.count))
            let path = rest.split(separator: "?", maxSplits: 1).first.map(String.init) ?? rest
            let query = rest.contains("?") ? String(rest.split(separator: "?", maxSplits: 1)[1]) : nil
            if path != expected.path { out.append("path \(path), expected \(expected.path)") }
            if query != expected.query { out.append("query \(query ?? "none"), expected \(expected.query ?? "none")") }
            out += compareHeaders(outbound.headers, expected.headers, what: "header")
            if expected.json != nil || expected.text != nil {
                out += compareBody(outbound.body, json: expected.json, text: expected.text, what: "body")
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

    /// A fixture's body as bytes: JSON written out (with a JSON Content-Type unless one is given), or text as is.
    static func encode(json: JSONValue?, text: String?, into headers: inout [(name: String, value: String)]) -> [UInt8] {
        if let json {
            if !headers.contains(where: { $0.name.lowercased() == "content-type" }) { headers.append(("Content-Type", "application/json")) }
            return JSONWriter().bytes(json)
        }
        return text.map { Array($0.utf8) } ?? []
    }

    /// Headers as sent against headers as expected, by lower-cased name; `ignoring` names that may differ.
    static func compareHeaders(
        _ actual: [(name: String, value: String)], _ expected: [(name: String, value: String)], what: String,
        ignoring: Set<String> = []
    ) -> [String] {
        var out: [String] = []
        let actualHeaders = Dictionary(actual.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, b in a + ", " + b })
        let expectedHeaders = Dictionary(expected.map { ($0.name.lowercased(), $0.value) }, uniquingKeysWith: { a, b in a + ", " + b })
        for (name, value) in expectedHeaders.sorted(by: { $0.key < $1.key }) {
            if let actual = actualHeaders[name] {
                if actual != value && !(name == "content-type" && actual.hasPrefix("multipart/") && value.hasPrefix("multipart/")) {
                    out.append("\(what) \(name): \(actual), expected \(value)")
                }
            } else {
                out.append("\(what) \(name) missing")
            }
        }
        for name in actualHeaders.keys.sorted() where expectedHeaders[name] == nil && !ignoring.contains(name) {
            out.append("\(what) \(name) sent but not expected")
        }
        return out
    }

    /// A body against the JSON or text expected; with neither, the body must be empty.
    static func compareBody(_ body: [UInt8], json: JSONValue?, text: String?, what: String) -> [String] {
        if let json {
            guard let actual = try? JSONParser().parse(body) else { return ["\(what) is not JSON"] }
            return actual == json ? [] : ["\(what) \(JSONWriter().string(actual)), expected \(JSONWriter().string(json))"]
        } else if let text {
            let actual = String(decoding: body, as: UTF8.self)
            return actual == text ? [] : ["\(what) \(actual), expected \(text)"]
        }
        return body.isEmpty ? [] : ["\(what) is not empty, none expected"]
    }
}
