import Foundation
import MingateGateway
import MingatePolicy
import NIOCore
import NIOPosix
import Testing

/// Connection hygiene at the edge, over raw sockets to a real gateway: what a slow, silent or greedy client gets.
@Suite struct ConnectionTests {
    static func port(_ harness: GatewayHarness) -> Int { Int(harness.gatewayURL.split(separator: ":").last!)! }

    static let head =
        "POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer \(GatewayHarness.checkoutToken)\r\n"
        + "X-Mingate-Subject: \(GatewayHarness.subject)\r\nContent-Type: application/json\r\n"

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        try await GatewayHarness.with(configure: { $0.connections.idleTimeout = .milliseconds(300) }) { harness in
            let seen = try await RawConnection.talk(port: Self.port(harness), send: [], waitUpTo: .seconds(5))
            #expect(seen.closed, "the server closed the idle connection")
            #expect(seen.text.isEmpty)
            #expect(seen.elapsed >= .milliseconds(250) && seen.elapsed < .seconds(3), "\(seen.elapsed)")
        }
    }

    @Test func aHeadThatNeverCompletesIsAnswered408() async throws {
        try await GatewayHarness.with(configure: { $0.connections.headTimeout = .milliseconds(300) }) { harness in
            let seen = try await RawConnection.talk(
                port: Self.port(harness), send: ["POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: gateway\r\n"],
                waitUpTo: .seconds(5))
            #expect(seen.text.hasPrefix("HTTP/1.1 408 Request Timeout\r\n"), "got: \(seen.text.prefix(40))")
            #expect(seen.text.contains("request_timeout"))
            #expect(seen.closed)
            #expect(harness.partner.received.isEmpty)
        }
    }

    @Test func aBodyAtATrickleIsRefusedAndRecorded() async throws {
        try await GatewayHarness.with(configure: { $0.connections.bodyTimeout = .milliseconds(400) }) { harness in
            let seen = try await RawConnection.talk(
                port: Self.port(harness), send: [Self.head + "Content-Length: 100\r\n\r\n", #"{"order_"#],
                waitUpTo: .seconds(8))
            #expect(seen.text.hasPrefix("HTTP/1.1 408"), "got: \(seen.text.prefix(40))")
            #expect(seen.text.contains("request_timeout"))
            #expect(seen.closed)
            #expect(harness.partner.received.isEmpty)
            let records = try harness.decisions()
            #expect(records.map { $0["reason"]?.stringValue } == ["request_timeout"])
            #expect(records.first?["caller"]?.stringValue == "checkout-service")
        }
    }

    @Test func aHugeDeclaredBodyIsRefusedBeforeAByteIsRead() async throws {
        try await GatewayHarness.with { harness in
            let seen = try await RawConnection.talk(
                port: Self.port(harness), send: [Self.head + "Content-Length: 10000000000\r\n\r\n"], waitUpTo: .seconds(5))
            #expect(seen.text.hasPrefix("HTTP/1.1 413"), "got: \(seen.text.prefix(40))")
            #expect(seen.text.contains("body_too_large"))
            #expect(seen.elapsed < .seconds(2))
            #expect(try harness.decisions().map { $0["reason"]?.stringValue } == ["body_too_large"])
        }
    }

    @Test func anUnauthenticatedUploadIsRefusedWithoutReadingItsBody() async throws {
        try await GatewayHarness.with { harness in
            // The head announces 1 MiB and no byte of it is ever sent: an answer can only come before the body.
            let seen = try await RawConnection.talk(
                port: Self.port(harness),
                send: [
                    "POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: gateway\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1048576\r\n\r\n"
                ], waitUpTo: .seconds(5))
            #expect(seen.text.hasPrefix("HTTP/1.1 401"), "got: \(seen.text.prefix(40))")
            #expect(seen.text.contains("unauthenticated"))
            #expect(seen.text.lowercased().contains("connection: close"))
            #expect(seen.elapsed < .seconds(2))
            #expect(harness.partner.received.isEmpty)
        }
    }

    @Test func anyRefusalBeforeTheBodyClosesTheConnectionInsteadOfDrainingIt() async throws {
        try await GatewayHarness.with { harness in
            // An identified caller that may not use the purpose, announcing 1 MiB and sending none of it.
            let seen = try await RawConnection.talk(
                port: Self.port(harness),
                send: [
                    "POST /p/midtrans/payment/v2/charge HTTP/1.1\r\nHost: gateway\r\n"
                        + "Authorization: Bearer \(GatewayHarness.fulfilmentToken)\r\nContent-Type: application/json\r\n"
                        + "Content-Length: 1048576\r\n\r\n"
                ], waitUpTo: .seconds(5))
            #expect(seen.text.hasPrefix("HTTP/1.1 403"), "got: \(seen.text.prefix(40))")
            #expect(seen.text.contains("caller_not_allowed"))
            #expect(seen.text.lowercased().contains("connection: close"))
            #expect(seen.closed)
            #expect(seen.elapsed < .seconds(2), "closed at once, not after draining or the body deadline")
            // A request whose body was read keeps its connection: a second request on it is answered.
            let kept = try await RawConnection.talk(
                port: Self.port(harness),
                send: [
                    Self.head + "Content-Length: 2\r\n\r\n{}", "GET /healthz HTTP/1.1\r\nHost: gateway\r\nConnection: close\r\n\r\n",
                ], waitUpTo: .seconds(5))
            #expect(kept.text.components(separatedBy: "HTTP/1.1 ").count == 3, "two answers on one connection: \(kept.text.prefix(80))")
        }
    }

    @Test func pastTheConnectionCapNewConnectionsGet503() async throws {
        try await GatewayHarness.with(configure: { $0.connections.maxConnections = 3 }) { harness in
            let port = Self.port(harness)
            let held = try await (0..<3).asyncMap { _ in try await RawConnection.open(port: port) }
            // Let the server accept them all.
            for _ in 0..<100 where harness.gateway.connections.current < 3 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.gateway.connections.current == 3)
            let refused = try await RawConnection.talk(port: port, send: [], waitUpTo: .seconds(5))
            #expect(refused.text.hasPrefix("HTTP/1.1 503 Service Unavailable\r\n"), "got: \(refused.text.prefix(40))")
            #expect(refused.text.contains("too_many_connections"))
            #expect(refused.closed)
            #expect(harness.gateway.connections.refused == 1)
            for connection in held { try await connection.close() }
            for _ in 0..<200 where harness.gateway.connections.current > 0 { try await Task.sleep(for: .milliseconds(10)) }
            let answer = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(answer.status == 200, "served again once connections closed")
        }
    }

    @Test func thePartnerGetsTheRequestIDTheLedgerAndTheCallerSee() async throws {
        let logs = LogCapture()
        try await GatewayHarness.with(logs: logs) { harness in
            let answer = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(answer.status == 200)
            let id = try #require(answer.header("X-Request-Id"))
            #expect(harness.partner.received.first?.header("X-Request-Id") == id)
            #expect(try harness.decisions().first?["request_id"]?.stringValue == id)
            // 16 base64url characters (96 random bits), and the one the gateway's log lines for the request carry.
            #expect(id.utf8.count == 16 && id.utf8.allSatisfy { $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || (48...57).contains($0) || (65...90).contains($0) || (97...122).contains($0) }, "\(id)")
            #expect(logs.lines.contains { $0.contains("\"hb.request.id\": \(id)") }, "\(logs.lines.filter { $0.contains("hb.request.id") }.prefix(3))")
            let again = try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            #expect(again.header("X-Request-Id") != id)
            // A caller cannot choose the id the partner sees.
            let forged = try await harness.postJSON(
                "/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder, headers: [("X-Request-Id", "caller-chosen")])
            #expect(harness.partner.received.last?.header("X-Request-Id") == forged.header("X-Request-Id"))
            #expect(forged.header("X-Request-Id") != "caller-chosen")
        }
    }

    @Test func aReloadRetiresAClientOnceItsRequestsEnd() async throws {
        try await GatewayHarness.with(partnerDelay: .milliseconds(600)) { harness in
            let file = harness.partnersDirectory + "/midtrans.yaml"
            let original = try String(contentsOfFile: file, encoding: .utf8)
            async let slow = harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder)
            for _ in 0..<100 where harness.partner.received.isEmpty { try await Task.sleep(for: .milliseconds(10)) }
            // New timeouts: midtrans gets a new client; the old one still carries the request in flight.
            let changed = original.replacingOccurrences(of: "request_ms: ", with: "request_ms: 1")
            #expect(changed != original)
            try changed.write(toFile: file, atomically: true, encoding: .utf8)
            let reloaded = try await harness.send("POST", "/admin/reload", token: GatewayHarness.adminToken)
            #expect(reloaded.json?["result"]?.stringValue == "reloaded")
            #expect(harness.gateway.clients.retirement.retired == 1)
            #expect(harness.gateway.clients.retirement.shutDown == 0, "not while its request is in flight")
            #expect(try await slow.status == 200, "the request in flight finished on the retired client")
            for _ in 0..<200 where harness.gateway.clients.retirement.shutDown < 1 { try await Task.sleep(for: .milliseconds(10)) }
            #expect(harness.gateway.clients.retirement.shutDown == 1, "shut down once drained")
        }
    }
}

extension Sequence {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var out: [T] = []
        for element in self { out.append(try await transform(element)) }
        return out
    }
}

/// A raw TCP client for what well-behaved HTTP clients never do: stall, trickle, hold connections open.
enum RawConnection {
    struct Seen {
        let text: String
        let closed: Bool
        let elapsed: Duration
    }

    static func open(port: Int) async throws -> NIOAsyncChannel<ByteBuffer, ByteBuffer> {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
    }

    /// Connects, writes each chunk, then reads until the server closes or `waitUpTo` passes.
    static func talk(port: Int, send chunks: [String], waitUpTo limit: Duration) async throws -> Seen {
        let started = ContinuousClock.now
        let channel = try await open(port: port)
        let reader = channel.channel
        let deadline = reader.eventLoop.scheduleTask(in: .nanoseconds(Int64(limit.components.seconds) * 1_000_000_000)) {
            reader.close(promise: nil)
        }
        defer { deadline.cancel() }
        return try await channel.executeThenClose { inbound, outbound in
            for chunk in chunks { try await outbound.write(ByteBuffer(string: chunk)) }
            var text = ""
            var closedByServer = true
            do {
                for try await piece in inbound { text += String(buffer: piece) }
            } catch {
                closedByServer = false
            }
            let elapsed = ContinuousClock.now - started
            if elapsed >= limit { closedByServer = false }
            return Seen(text: text, closed: closedByServer, elapsed: elapsed)
        }
    }
}

extension NIOAsyncChannel where Inbound == ByteBuffer, Outbound == ByteBuffer {
    func close() async throws {
        try await channel.close()
    }
}
