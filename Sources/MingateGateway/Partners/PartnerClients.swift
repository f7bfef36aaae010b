import AsyncHTTPClient
import Logging
import MingatePolicy
import NIOConcurrencyHelpers
import NIOCore
import NIOSSL
import ServiceLifecycle

/// One pooled HTTP client per partner, with that partner's TLS settings and timeouts, never following
/// redirects (a redirect could carry data somewhere no policy names). All clients share the server's event loops.
///
/// A reload that changes a partner's TLS settings or timeouts replaces its client; the old one is retired: it
/// finishes the requests already on it and is shut down by `run()` as soon as the last one ends.
public final class PartnerClients: Service, Sendable {
    final class Pooled: Sendable {
        let client: HTTPClient
        let settings: Settings
        /// Requests on this client now, and whether a reload replaced it.
        let use = NIOLockedValueBox((inFlight: 0, retired: false))

        init(client: HTTPClient, settings: Settings) {
            self.client = client
            self.settings = settings
        }
    }

    struct Settings: Equatable {
        let tls: TLSSettings
        let timeouts: Timeouts
    }

    private let clients = NIOLockedValueBox<[String: Pooled]>([:])
    /// The client that delivers partners' hooks to internal services (`deliver`): system trust, short timeouts.
    private let internalServices = Pooled(
        client: PartnerClients.client(tls: TLSSettings(caFile: nil, verify: true), connectMilliseconds: 2_000),
        settings: Settings(tls: TLSSettings(caFile: nil, verify: true), timeouts: Timeouts(connectMilliseconds: 2_000, requestMilliseconds: 10_000)))
    private let retiring: AsyncStream<HTTPClient>
    private let retire: AsyncStream<HTTPClient>.Continuation
    private let counters = NIOLockedValueBox((retired: 0, shutDown: 0))

    public init(partners: [Partner]) throws(GatewayError) {
        (retiring, retire) = AsyncStream.makeStream()
        update(partners)
    }

    /// Clients replaced by reloads so far, and how many of them have been shut down.
    public var retirement: (retired: Int, shutDown: Int) { counters.withLockedValue { $0 } }

    /// Makes sure every partner has a client with its current TLS settings and timeouts (after a reload).
    public func update(_ partners: [Partner]) {
        let replaced = clients.withLockedValue { clients -> [Pooled] in
            var replaced: [Pooled] = []
            for partner in partners {
                let settings = Settings(tls: partner.tls, timeouts: partner.timeouts)
                if let existing = clients[partner.id], existing.settings == settings { continue }
                if let existing = clients[partner.id] { replaced.append(existing) }
                clients[partner.id] = Pooled(
                    client: Self.client(tls: partner.tls, connectMilliseconds: partner.timeouts.connectMilliseconds), settings: settings)
            }
            return replaced
        }
        for pooled in replaced {
            counters.withLockedValue { $0.retired += 1 }
            let idle = pooled.use.withLockedValue { use -> Bool in
                use.retired = true
                return use.inFlight == 0
            }
            if idle { retire.yield(pooled.client) }
        }
    }

    private static func client(tls settings: TLSSettings, connectMilliseconds: Int) -> HTTPClient {
            var tls = TLSConfiguration.makeClientConfiguration()
            if let caFile = settings.caFile {
                tls.trustRoots = .file(caFile)
            }
            if !settings.verify { tls.certificateVerification = .none }
            var configuration = HTTPClient.Configuration(
                tlsConfiguration: tls, redirectConfiguration: .disallow,
                timeout: .init(connect: .milliseconds(Int64(connectMilliseconds))),
                decompression: .disabled)
            configuration.connectionPool = .init(
                idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
            configuration.httpVersion = .automatic
            // No tracer is configured; without this AHC wraps every request in the global no-op tracer's span.
            configuration.tracing.tracer = nil
            return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    /// The partner's answer, collected up to `maxResponseBytes`.
    public struct PartnerResponse: Sendable {
        public let status: Int
        public let headers: [(name: String, value: String)]
        public let body: ByteBuffer
    }

    /// Sends the request (to its partner, or a hook to its internal service) with the gateway's request id (`X-Request-Id`, so the partner's logs can be matched with
    /// the ledger); failures come back as the refusals the caller sees (502, 504).
    public func send(_ request: OutboundRequest, requestID: String, maxResponseBytes: Int) async throws(Refusal)
        -> PartnerResponse
    {
        switch request.destination {
        case .partner:
            guard let pooled = clients.withLockedValue({ $0[request.partner] }) else {
                throw Refusal(.partnerUnreachable, "no client for partner '\(request.partner)'")
            }
            return try await execute(request, on: pooled, requestID: requestID, maxResponseBytes: maxResponseBytes)
        case .internalService(let service):
            // A partner's hook: a failure is `hook_delivery_failed` (502), so the partner retries.
            do throws(Refusal) {
                return try await execute(request, on: internalServices, requestID: requestID, maxResponseBytes: maxResponseBytes)
            } catch {
                throw Refusal(.hookDeliveryFailed, "\(service) could not take the hook (\(error.code.rawValue))")
            }
        }
    }

    private func execute(_ request: OutboundRequest, on pooled: Pooled, requestID: String, maxResponseBytes: Int) async throws(Refusal)
        -> PartnerResponse
    {
        pooled.use.withLockedValue { $0.inFlight += 1 }
        defer {
            let drained = pooled.use.withLockedValue { use -> Bool in
                use.inFlight -= 1
                return use.retired && use.inFlight == 0
            }
            if drained { retire.yield(pooled.client) }
        }
        var outbound = HTTPClientRequest(url: request.url)
        outbound.method = .init(rawValue: request.method)
        for header in request.headers { outbound.headers.add(name: header.name, value: header.value) }
        outbound.headers.replaceOrAdd(name: "X-Request-Id", value: requestID)
        if !request.body.isEmpty { outbound.body = .bytes(ByteBuffer(bytes: request.body)) }
        do {
            let response = try await pooled.client.execute(
                outbound, timeout: .milliseconds(Int64(pooled.settings.timeouts.requestMilliseconds)))
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

    /// Shuts retired clients down as they drain; at shutdown (after the server has drained), every client.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            for await client in self.retiring {
                try? await client.shutdown()
                self.counters.withLockedValue { $0.shutDown += 1 }
            }
        }
        retire.finish()
        for client in clients.withLockedValue({ $0.values.map(\.client) }) + [internalServices.client] { try? await client.shutdown() }
        // Retired clients that never drained (a request still hanging at shutdown).
        for await client in retiring {
            try? await client.shutdown()
            counters.withLockedValue { $0.shutDown += 1 }
        }
    }
}
