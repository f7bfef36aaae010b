import AsyncHTTPClient
import Foundation
import Hummingbird
import Logging
import NIOCore
import NIOPosix

/// The floor under the gateway's benchmark: the same stack with none of the gateway's work. Hummingbird takes
/// `POST /p/{partner}/{purpose}/{path}`, collects the body, AsyncHTTPClient sends it whole to `upstream` + `/{path}`,
/// and the partner's answer goes back as it came: no identity, policy, minimising, ledger, metrics or limits. NIO's
/// event loops are Swift concurrency's global executor, as in `mingate`.
///
///     mingate-floor --port 18091 --upstream http://127.0.0.1:18080
///     mingate-floor --port 18091 --upstream http://127.0.0.1:18080 --nio   # the same job on bare NIO (`NIOFloor`)
///
/// `scripts/bench-floor.sh` runs it beside the peers: what the framework and the HTTP client cost per request is a
/// lower bound for the gateway on this stack (`docs/performance.md`).
@main
enum StackFloor {
    static func main() {
        _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
        Task {
            do {
                try await serve(CommandLine.arguments)
                exit(0)
            } catch {
                FileHandle.standardError.write(Data("mingate-floor: \(error)\n".utf8))
                exit(1)
            }
        }
        dispatchMain()
    }

    struct Usage: Error, CustomStringConvertible {
        var description: String { "usage: mingate-floor --port PORT --upstream http://HOST:PORT [--nio]" }
    }

    static func serve(_ arguments: [String]) async throws {
        func value(_ name: String) -> String? {
            arguments.firstIndex(of: name).flatMap { arguments.indices.contains($0 + 1) ? arguments[$0 + 1] : nil }
        }
        guard let port = value("--port").flatMap(Int.init), let upstream = value("--upstream") else { throw Usage() }
        if arguments.contains("--nio") {
            guard let url = URL(string: upstream), let host = url.host, let upstreamPort = url.port else { throw Usage() }
            return try await NIOFloor.serve(port: port, upstreamHost: host, upstreamPort: upstreamPort)
        }
        var logger = Logger(label: "mingate-floor")
        logger.logLevel = .error

        // The partner client as `PartnerClients` configures it: no redirects, no decompression, no tracing span.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, decompression: .disabled)
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: 64)
        configuration.tracing.tracer = nil
        let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)

        let router = Router()
        router.post("p/:partner/:purpose/**") { request, context -> Response in
            let body = try await request.body.collect(upTo: 1 << 20)
            let path = context.parameters.getCatchAll().joined(separator: "/")
            var outbound = HTTPClientRequest(url: upstream + "/" + path)
            outbound.method = .POST
            if let type = request.headers[.contentType] { outbound.headers.add(name: "Content-Type", value: type) }
            outbound.body = .bytes(body)
            let answer = try await client.execute(outbound, timeout: .seconds(5))
            let received = try await answer.body.collect(upTo: 1 << 20)
            return Response(status: .init(code: Int(answer.status.code)), body: .init(byteBuffer: received))
        }
        let application = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: nil), logger: logger)
        try await application.runService()
        try await client.shutdown()
    }
}
