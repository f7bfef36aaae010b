import Logging
import HTTPTypes
import Foundation
import Hummingbird
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore

/// A stand-in for an outside partner: answers every request with exactly what it received,
/// `{"received": {"method", "path", "query", "headers", "body"}}` (the body as JSON when it is JSON), and
/// keeps a copy of each request so tests can check what a partner would have seen.
public final class StandInPartner: Sendable {
    /// One request as the partner received it.
    public struct Received: Sendable {
        public let method: String
        public let path: String
        public let query: String?
        public let headers: [(name: String, value: String)]
        public let body: [UInt8]

        public func header(_ name: String) -> String? {
            headers.first { $0.name.lowercased() == name.lowercased() }?.value
        }

        public var json: JSONValue? { try? JSONParser().parse(body) }
    }

    private let log = NIOLockedValueBox<[Received]>([])
    /// How long to wait before answering (to exercise partner timeouts).
    public let delay: Duration

    public init(delay: Duration = .zero) {
        self.delay = delay
    }

    /// Everything received so far, oldest first.
    public var received: [Received] { log.withLockedValue { $0 } }

    public func reset() { log.withLockedValue { $0.removeAll() } }

    /// A Hummingbird application serving the stand-in on `host:port` (port 0 picks a free one).
    public func application(
        host: String = "127.0.0.1", port: Int = 0, onRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol {
        Application(
            responder: Responder(partner: self),
            configuration: .init(address: .hostname(host, port: port), serverName: nil),
            onServerRunning: { channel in await onRunning(channel.localAddress?.port ?? 0) },
            logger: .init(label: "mingate.stand-in", factory: { _ in SwiftLogNoOpLogHandler() }))
    }

    struct Responder: HTTPResponder {
        typealias Context = BasicRequestContext
        let partner: StandInPartner

        func respond(to request: Request, context: Context) async throws -> Response {
            var bytes: [UInt8] = []
            for try await buffer in request.body { bytes.append(contentsOf: buffer.readableBytesView) }
            let target = request.head.path ?? "/"
            let path = target.split(separator: "?", maxSplits: 1).first.map(String.init) ?? "/"
            let query = target.contains("?") ? String(target.split(separator: "?", maxSplits: 1)[1]) : nil
            let received = Received(
                method: request.method.rawValue, path: path, query: query,
                headers: request.headers.map { ($0.name.canonicalName, $0.value) }, body: bytes)
            partner.log.withLockedValue { $0.append(received) }
            if partner.delay > .zero { try? await Task.sleep(for: partner.delay) }

            var headers = JSONObject()
            for header in received.headers { headers[header.name] = .string(header.value) }
            let body: JSONValue =
                bytes.isEmpty ? .null : (received.json ?? .string(String(decoding: bytes, as: UTF8.self)))
            let answer: JSONValue = [
                "received": .object(
                    JSONObject([
                        ("method", .string(received.method)), ("path", .string(path)),
                        ("query", query.map { .string($0) } ?? .null), ("headers", .object(headers)), ("body", body),
                    ]))
            ]
            var responseHeaders = HTTPFields()
            responseHeaders[.contentType] = "application/json"
            // A real partner may set cookies; the gateway must not pass them back to internal callers.
            responseHeaders[.setCookie] = "partner_session=stand-in; Path=/"
            return Response(
                status: .ok, headers: responseHeaders,
                body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(answer))))
        }
    }
}
