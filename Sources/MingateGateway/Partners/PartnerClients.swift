import AsyncHTTPClient
import Logging
import MingatePolicy
import NIOCore
import NIOSSL
import ServiceLifecycle

/// One pooled HTTP client per partner, with that partner's TLS settings and timeouts, never following
/// redirects (a redirect could carry data somewhere no policy names).
public final class PartnerClients: Service, Sendable {
    private let clients: [String: HTTPClient]
    private let timeouts: [String: Timeouts]

    public init(partners: [Partner]) throws(GatewayError) {
        var clients: [String: HTTPClient] = [:]
        var timeouts: [String: Timeouts] = [:]
        for partner in partners {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = partner.tls.caFile {
                tls.trustRoots = .file(caFile)
            }
            if !partner.tls.verify { tls.certificateVerification = .none }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: .init(connect: .milliseconds(Int64(partner.timeouts.connectMilliseconds))),
                decompression: .disabled)
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
            configuration.httpVersion = .automatic
            clients[partner.id] = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            timeouts[partner.id] = partner.timeouts
        }
        self.clients = clients
        self.timeouts = timeouts
    }

    /// The partner's answer, collected up to `maxResponseBytes`.
    public struct PartnerResponse: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: ByteBuffer
    }

    /// Sends the request; failures come back as the refusals the caller sees (502, 504).
    public func send(_ request: OutboundRequest, maxResponseBytes: Int) async throws(Refusal) -> PartnerResponse {
        guard let client = clients[request.partner], let timeouts = timeouts[request.partner] else {
            throw Refusal(.partnerUnreachable, "no client for partner '\(request.partner)'")
        }
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .init(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outbound, timeout: .milliseconds(Int64(timeouts.requestMilliseconds)))
            let body: ByteBuffer
            do {
                body = try await response.body.collect(upTo: maxResponseBytes)
            } catch is NIOTooManyBytesError {
                throw Refusal(.partnerResponseTooLarge, "the partner's response is larger than \(maxResponseBytes) bytes")
            }
            return PartnerResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) }, body: body)
        } catch let refusal as Refusal {
            throw refusal
        } catch let error as HTTPClientError
            where [.deadlineExceeded, .connectTimeout, .readTimeout, .writeTimeout, .tlsHandshakeTimeout].contains(error)
        {
            throw Refusal(.partnerTimeout, "the partner did not answer in time")
        } catch {
            throw Refusal(.partnerUnreachable, "the partner could not be reached")
        }
    }

    public func run() async throws {
        try? await gracefulShutdown()
        try await shutdown()
    }

    public func shutdown() async throws {
        for client in clients.values { try? await client.shutdown() }
    }
}
