import Foundation
import MingatePolicy
import NIOCore
import NIOPosix
import Testing

@testable import MingateGateway
@testable import MingateLedger

/// Every framing case refused with its own code, nothing forwarded, the refusal recorded with what was known.
@Suite struct FramingTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        /// The request's head lines after the request line (no Host unless given), then the raw body bytes.
        let head: [String]
        let body: [UInt8]
        let status: Int
        let code: String
        var description: String { name }
    }

    static let auth = "Authorization: Bearer \(GatewayHarness.checkoutToken)"
    static let subject = "X-Mingate-Subject: \(GatewayHarness.subject)"
    static let json = "Content-Type: application/json"
    static let order = Array(#"{"payment_type":"bank_transfer"}"#.utf8)
    static func chunked(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let cases: [Case] = [
        .init(name: "no Host", head: [auth, subject, json, "Content-Length: \(order.count)"], body: order, status: 400, code: "bad_host"),
        .init(name: "two Hosts", head: ["Host: a", "Host: b", auth, subject, json, "Content-Length: \(order.count)"], body: order, status: 400, code: "bad_host"),
        .init(name: "chunk size not hex", head: ["Host: x", auth, subject, json, "Transfer-Encoding: chunked"], body: chunked("zz\r\n{}\r\n0\r\n\r\n"), status: 400, code: "malformed_chunked"),
        .init(name: "negative chunk size", head: ["Host: x", auth, subject, json, "Transfer-Encoding: chunked"], body: chunked("-7\r\n{}\r\n0\r\n\r\n"), status: 400, code: "malformed_chunked"),
        .init(name: "chunk size overflow", head: ["Host: x", auth, subject, json, "Transfer-Encoding: chunked"], body: chunked("fffffffffffffffff1\r\n{}\r\n0\r\n\r\n"), status: 400, code: "malformed_chunked"),
        .init(name: "chunk data longer than its size", head: ["Host: x", auth, subject, json, "Transfer-Encoding: chunked"], body: chunked("2\r\n{}}\r\n0\r\n\r\n"), status: 400, code: "malformed_chunked"),
        .init(name: "chunked with a parameter", head: ["Host: x", auth, subject, json, "Transfer-Encoding: chunked;q=1"], body: chunked("2\r\n{}\r\n0\r\n\r\n"), status: 400, code: "malformed_chunked"),
        .init(name: "gzip, chunked", head: ["Host: x", auth, subject, json, "Transfer-Encoding: gzip, chunked"], body: chunked("2\r\n{}\r\n0\r\n\r\n"), status: 501, code: "unsupported_transfer_coding"),
        .init(name: "a byte outside ASCII in a header", head: ["Host: x", auth, subject, json, "Idempotency-Key: caf\u{E9}", "Content-Length: \(order.count)"], body: order, status: 400, code: "bad_header_value"),
        .init(name: "declared length over the limit", head: ["Host: x", auth, subject, json, "Content-Length: 4000000"], body: [], status: 413, code: "body_too_large"),
    ]

    @Test(arguments: cases)
    func refusedWithItsCodeAndRecorded(_ framing: Case) async throws {
        try await GatewayHarness.with { harness in
            var bytes = Array("POST /p/midtrans/payment/v2/charge HTTP/1.1\r\n".utf8)
            for line in framing.head {
                // Header text is written byte for byte: U+00E9 goes out as the single byte 0xE9, not as UTF-8.
                bytes += line.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) } + [0x0D, 0x0A]
            }
            bytes += [0x0D, 0x0A] + framing.body
            let reply = try await RawHTTP.exchange(port: ConnectionTests.port(harness), bytes: bytes)
            #expect(reply.hasPrefix("HTTP/1.1 \(framing.status)"), "got: \(reply.prefix(60))")
            #expect(reply.contains(#""code":"\#(framing.code)""#), "got: \(reply)")
            #expect(harness.partner.received.isEmpty, "nothing forwarded")
            let record = try #require(try harness.decisions().first)
            #expect(record["reason"]?.stringValue == framing.code)
            #expect(record["caller"]?.stringValue == "checkout-service")
            #expect(record["partner"]?.stringValue == "midtrans")
            #expect(record["disclosed"] == .array([]))
        }
    }

    /// Before its head is complete a request has no caller: the parser's refusal is answered with the gateway's
    /// JSON error and counted with the anonymous refusals.
    @Test func aHeadTheParserRefusesIsAnsweredAndCounted() async throws {
        try await GatewayHarness.with { harness in
            let reply = try await RawHTTP.exchange(
                port: ConnectionTests.port(harness),
                request: "POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n")
            #expect(reply.hasPrefix("HTTP/1.1 400"), "got: \(reply.prefix(60))")
            #expect(reply.contains(#""code":"malformed_request""#), "got: \(reply)")
            #expect(harness.partner.received.isEmpty)
            harness.gateway.unidentified.flush()
            let summaries = try await harness.entries(kind: .refusals, atLeast: 1)
            #expect(summaries.map { $0["reason"]?.stringValue } == ["malformed_request"])
        }
    }

    @Test func aHeaderNamedInConnectionIsNeverForwarded() async throws {
        try await GatewayHarness.with { harness in
            let body = #"{"card":"4111111111111111"}"#
            let answer = try await harness.postJSON(
                "/p/testpartner/transforms/v1/transforms", body, token: GatewayHarness.testerToken,
                headers: [("Idempotency-Key", "k-1"), ("Connection", "keep-alive, Idempotency-Key")])
            #expect(answer.status == 200)
            let received = try #require(harness.partner.received.first)
            #expect(received.header("Idempotency-Key") == nil)
            let record = try #require(try harness.decisions().first)
            #expect(record["withheld"].listedPaths.contains("header:idempotency-key"))
        }
    }

    @Test(arguments: [
        ("", "malformed_json"),
        ("   ", "malformed_json"),
        (#""a string""#, "unexpected_json_root"),
        ("42", "unexpected_json_root"),
    ])
    func aJSONBodyIsJSONWhateverItsLength(_ body: String, _ code: String) async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.postJSON("/p/midtrans/payment/v2/charge", body)
            #expect(answer.status == 400)
            #expect(answer.errorCode == code)
            #expect(harness.partner.received.isEmpty)
        }
    }
}

/// A value in the path is data: declared, transformed, recorded.
@Suite struct PathParameterForwardingTests {
    @Test func anEmailInThePathIsPseudonymisedAndRecorded() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.send(
                "GET", "/p/testpartner/lookup/v1/customers/budi%40example.com/orders/A-1", token: GatewayHarness.testerToken)
            #expect(answer.status == 200)
            let received = try #require(harness.partner.received.first)
            let segments = received.path.split(separator: "/").map(String.init)
            #expect(segments.count == 5 && segments[0] == "v1" && segments[1] == "customers" && segments[3] == "orders")
            #expect(segments[4] == "A-1", "an order id is kept")
            #expect(!received.path.contains("budi") && !received.path.contains("example"), "got \(received.path)")
            #expect(segments[2].count >= 16, "a pseudonym, got \(segments[2])")
            let record = try #require(try harness.decisions().first)
            let disclosed = try #require(record["disclosed"]?.arrayValue)
            #expect(disclosed.contains(.object(JSONObject([("path", "path:email"), ("count", 1), ("category", "contact.email"), ("transform", "pseudonym")]))), "\(disclosed)")
            #expect(disclosed.contains(.object(JSONObject([("path", "path:order"), ("count", 1), ("category", "transaction.order_id"), ("transform", "keep")]))), "\(disclosed)")
            #expect(record["subject_key"] != nil, "a path that can carry personal data names its subject")
        }
    }

    @Test func theSamePersonGetsTheSamePseudonym() async throws {
        try await GatewayHarness.with { harness in
            for _ in 0..<2 {
                _ = try await harness.send("GET", "/p/testpartner/lookup/v1/customers/budi%40example.com/orders/A-1", token: GatewayHarness.testerToken)
            }
            let paths = harness.partner.received.map(\.path)
            #expect(paths.count == 2 && paths[0] == paths[1])
        }
    }
}
