import Foundation
import MingatePolicy
import NIOCore
import NIOPosix
import Testing

@testable import MingateGateway
@testable import MingateLedger

/// Bad input, bad paths and bad callers: each a clear 4xx with a stable code, nothing forwarded, the refusal
/// recorded.
@Suite struct RefusalTests {
    struct BadBody: Sendable, CustomStringConvertible {
        let name: String
        let contentType: String
        let body: [UInt8]
        let status: Int
        let code: String
        var description: String { name }
    }

    static let deep = String(repeating: "[", count: 40) + String(repeating: "]", count: 40)

    static let badBodies: [BadBody] = [
        .init(name: "malformed JSON", contentType: "application/json", body: Array(#"{"payment_type": "x",}"#.utf8), status: 400, code: "malformed_json"),
        .init(name: "duplicate key", contentType: "application/json", body: Array(#"{"payment_type":"a","payment_type":"b"}"#.utf8), status: 400, code: "duplicate_key"),
        .init(name: "duplicate key by escape", contentType: "application/json", body: Array(#"{"payment_type":"a","payment\u005ftype":"b"}"#.utf8), status: 400, code: "duplicate_key"),
        .init(name: "nesting too deep", contentType: "application/json", body: Array(#"{"a":\#(deep)}"#.utf8), status: 400, code: "json_too_deep"),
        .init(name: "invalid UTF-8", contentType: "application/json", body: Array(#"{"payment_type":""#.utf8) + [0xC3, 0x28] + Array(#""}"#.utf8), status: 400, code: "invalid_utf8"),
        .init(name: "lone surrogate escape", contentType: "application/json", body: Array(#"{"payment_type":"\ud800"}"#.utf8), status: 400, code: "invalid_utf8"),
        .init(name: "body over the limit", contentType: "application/json", body: Array(#"{"a":""#.utf8) + Array(repeating: 0x61, count: 70_000) + Array(#""}"#.utf8), status: 413, code: "body_too_large"),
        .init(name: "undeclared content type", contentType: "text/plain", body: Array("payment_type=x".utf8), status: 415, code: "unsupported_media_type"),
        .init(name: "opaque bytes", contentType: "application/octet-stream", body: [0, 1, 2, 3], status: 415, code: "unsupported_media_type"),
        .init(name: "JSON in a non-UTF-8 charset", contentType: "application/json; charset=iso-8859-1", body: Array("{}".utf8), status: 415, code: "unsupported_media_type"),
    ]

    @Test(arguments: badBodies)
    func badBodyIsRefusedAndRecorded(_ bad: BadBody) async throws {
        try await GatewayHarness.with(configure: { $0.maxBodyBytes = 65_536 }) { harness in
            let answer = try await harness.send(
                "POST", "/p/midtrans/payment/v2/charge", headers: [("Content-Type", bad.contentType)], body: bad.body)
            #expect(answer.status == bad.status)
            #expect(answer.errorCode == bad.code)
            #expect(harness.partner.received.isEmpty, "nothing forwarded")
            let record = try #require(try harness.decisions().first)
            #expect(record["decision"]?.stringValue == "refuse")
            #expect(record["reason"]?.stringValue == bad.code)
            #expect(record["partner"]?.stringValue == "midtrans")
            #expect(record["caller"]?.stringValue == "checkout-service")
        }
    }

    @Test func contentTypeThatDoesNotMatchTheBody() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.send(
                "POST", "/p/testpartner/form/v1/form", token: GatewayHarness.testerToken,
                headers: [("Content-Type", "application/x-www-form-urlencoded")], body: Array(#"{"order_id":"x"}"#.utf8))
            #expect(answer.status == 400)
            #expect(answer.errorCode == "content_type_mismatch")
            let json = try await harness.send(
                "POST", "/p/midtrans/payment/v2/charge", headers: [("Content-Type", "application/json")],
                body: Array("order_id=1&amount=2".utf8))
            #expect(json.errorCode == "malformed_json")
            #expect(harness.partner.received.isEmpty)
        }
    }

    static let escapes: [(String, String, Int)] = [
        ("/p/midtrans/payment/v2/charge/../../admin", "bad_path", 400),
        ("/p/midtrans/payment/v2/%2e%2e/charge", "bad_path", 400),
        ("/p/midtrans/payment/v2/%2E%2E/v2/charge", "bad_path", 400),
        ("/p/midtrans/payment/v2%2Fcharge", "bad_path", 400),
        ("/p/midtrans/payment/v2%5ccharge", "bad_path", 400),
        ("/p/midtrans/payment//v2/charge", "bad_path", 400),
        ("/p/midtrans/payment/v2//charge", "bad_path", 400),
        ("/p/midtrans/payment/./v2/charge", "bad_path", 400),
        ("/p/midtrans/payment/v2/charge%00", "bad_path", 400),
        ("/p/midtrans/payment/v2/refund", "route_not_allowed", 403),
        ("/p/midtrans/payment/v2/charge/extra", "route_not_allowed", 403),
        ("/p/midtrans/refunds/v2/charge", "unknown_purpose", 404),
        ("/p/stripe/payment/v2/charge", "unknown_partner", 404),
    ]

    @Test func pathsNeverEscapeTheDeclaredRoutes() async throws {
        try await GatewayHarness.with { harness in
            for (path, code, status) in Self.escapes {
                let answer = try await harness.postJSON(path, #"{"payment_type":"x"}"#)
                #expect(answer.status == status, "\(path)")
                #expect(answer.errorCode == code, "\(path)")
            }
            #expect(harness.partner.received.isEmpty)
            let records = try harness.decisions()
            #expect(records.count == Self.escapes.count, "every refusal recorded")
            #expect(records.allSatisfy { $0["decision"]?.stringValue == "refuse" })
        }
    }

    @Test func aRepeatedControlHeaderIsRefusedNotResolved() async throws {
        try await GatewayHarness.with { harness in
            let answer = try await harness.postJSON(
                "/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder,
                headers: [("X-Mingate-Subject", "customer-1"), ("X-Mingate-Subject", "customer-2")], subject: nil)
            #expect(answer.status == 400)
            #expect(answer.errorCode == "duplicate_control_header")
            #expect(harness.partner.received.isEmpty)
            #expect(try harness.decisions().map { $0["reason"]?.stringValue } == ["duplicate_control_header"])
        }
    }

    @Test func unknownAndUnauthorisedCallers() async throws {
        try await GatewayHarness.with { harness in
            let none = try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: nil)
            #expect(none.status == 401)
            #expect(none.errorCode == "unauthenticated")
            let wrong = try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: "not-a-token")
            #expect(wrong.status == 401)
            // The fulfilment service may book couriers, not take payments.
            let other = try await harness.postJSON("/p/midtrans/payment/v2/charge", "{}", token: GatewayHarness.fulfilmentToken)
            #expect(other.status == 403)
            #expect(other.errorCode == "caller_not_allowed")
            #expect(harness.partner.received.isEmpty)
            // An identified caller's refusal is a record of its own.
            let records = try harness.decisions()
            #expect(records.map { $0["reason"]?.stringValue } == ["caller_not_allowed"])
            #expect(records.first?["caller"]?.stringValue == "fulfilment-service")
            // Anonymous refusals are counted per window, reason and source: one entry for both.
            harness.gateway.unidentified.flush()
            let summaries = try await harness.entries(kind: .refusals, atLeast: 1)
            #expect(summaries.count == 1)
            #expect(summaries.first?["reason"]?.stringValue == "unauthenticated")
            #expect(summaries.first?["count"] == .number(JSONNumber(2)))
            #expect(summaries.first?["partner"]?.stringValue == "midtrans")
            #expect(summaries.first?["source"]?.stringValue?.count == 16, "a keyed digest of the address, not the address")
        }
    }

    @Test func failedLedgerAppendForwardsNothingAndRecovers() async throws {
        try await GatewayHarness.with { harness in
            // Another connection makes every insert fail, as a full disk or a broken store would.
            let saboteur = try SQLiteDatabase(path: harness.ledgerPath)
            try saboteur.execute(
                "CREATE TRIGGER fail_inserts BEFORE INSERT ON ledger_entries BEGIN SELECT RAISE(ABORT, 'disk full'); END;")
            let refused = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(refused.status == 503)
            #expect(refused.errorCode == "ledger_unavailable")
            #expect(harness.partner.received.isEmpty, "nothing reaches the partner unrecorded")
            let ready = try await harness.send("GET", "/readyz", token: nil)
            #expect(ready.status == 503)

            try saboteur.execute("DROP TRIGGER fail_inserts;")
            let accepted = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(accepted.status == 200)
            #expect(harness.partner.received.count == 1)
            #expect(try await harness.send("GET", "/readyz", token: nil).status == 200)
            let records = try harness.decisions()
            #expect(records.count == 1, "the failed attempt left no half-written record")
            #expect(records[0]["seq"] == .number(JSONNumber(1)), "after its shape; nothing of the failed attempt took a number")
        }
    }

    @Test func conflictingContentLengthAndTransferEncodingNeverReachThePartner() async throws {
        try await GatewayHarness.with { harness in
            let port = Int(harness.gatewayURL.split(separator: ":").last!)!
            let request =
                "POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(GatewayHarness.checkoutToken)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "5\r\n{\"a\":\r\n0\r\n\r\n"
            let reply = try await RawHTTP.exchange(port: port, request: request)
            #expect(reply.hasPrefix("HTTP/1.1 400"), "got: \(reply.prefix(40))")
            #expect(reply.contains(#""code":"malformed_request""#), "got: \(reply)")
            #expect(harness.partner.received.isEmpty)
        }
    }
}

/// Sends raw bytes over TCP and reads until the server closes or a second passes: for requests no well-behaved
/// client would produce.
enum RawHTTP {
    static func exchange(port: Int, request: String) async throws -> String {
        try await exchange(port: port, bytes: Array(request.utf8))
    }

    static func exchange(port: Int, bytes: [UInt8]) async throws -> String {
        let socket = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return try await socket.executeThenClose { inbound, outbound in
            try await outbound.write(ByteBuffer(bytes: bytes))
            var text = ""
            let deadline = ContinuousClock.now + .seconds(2)
            for try await chunk in inbound {
                text += String(buffer: chunk)
                if ContinuousClock.now > deadline || Self.complete(text) { break }
            }
            return text
        }
    }

    /// Whether a response's head and as much body as its Content-Length says have arrived.
    static func complete(_ text: String) -> Bool {
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
            let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces))
        else { return true }
        return text[end.upperBound...].utf8.count >= length
    }
}
