import AsyncHTTPClient
import Logging
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import ServiceLifecycle

/// One pooled HTTP client per partner, with that partner's TLS settings and timeouts, never following
/// redirects (a redirect could carry data somewhere no policy names).
public final class PartnerClients: Service, Sendable {
    private struct State {
        var clients: [String: (client: HTTPClient, settings: Settings)] = [:]
        /// Clients replaced by a reload: in-flight requests may still use them; closed at shutdown.
        var retired: [HTTPClient] = []
    }

    private struct Settings: Equatable {
        let tls: TLSSettings
        let timeouts: Timeouts
    }

    private let state = NIOLockedValueBox(State())

    public init(partners: [Partner]) throws(GatewayError) {
        update(partners)
    }

    /// Makes sure every partner has a client with its current TLS settings and timeouts (after a reload).
    public func update(_ partners: [Partner]) {
        state.withLockedValue { state in
            for partner in partners {
                let settings = Settings(tls: partner.tls, timeouts: partner.timeouts)
                if let existing = state.clients[partner.id], existing.settings == settings { continue }
                if let existing = state.clients[partner.id] { state.retired.append(existing.client) }
                state.clients[partner.id] = (Self.client(for: partner), settings)
            }
        }
    }

    private static func client(for partner: Partner) -> HTTPClient {
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
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The partner's answer, collected up to `maxResponseBytes`.
    public struct PartnerResponse: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: ByteBuffer
    }

    /// Sends the request; failures come back as the refusals the caller sees (502, 504).
    public func send(_ request: OutboundRequest, maxResponseBytes: Int) async throws(Refusal) -> PartnerResponse {
        guard let (client, settings) = state.withLockedValue({ $0.clients[request.partner] }) else {
            throw Refusal(.partnerUnreachable, "no client for partner '\(request.partner)'")
        }
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .init(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await client.execute(outbound, timeout: .milliseconds(Int64(settings.timeouts.requestMilliseconds)))
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
        let all = state.withLockedValue { $0.clients.values.map(\.client) + $0.retired }
        for client in all { try? await client.shutdown() }
    }
}
