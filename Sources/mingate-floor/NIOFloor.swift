import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// The floor without the frameworks: the same job as `StackFloor` (collect the body, send it whole to the partner,
/// return the answer), written as NIO channel handlers on one event loop per connection, with a pool of keep-alive
/// partner connections per loop. No Hummingbird, no AsyncHTTPClient, no Swift concurrency per request: what the
/// gateway's HTTP could cost if it left both (`mingate-floor --nio`, `TARGET=nio-floor scripts/bench-gateway.sh`).
enum NIOFloor {
    static func serve(port: Int, upstreamHost: String, upstreamPort: Int) async throws {
        let group = MultiThreadedEventLoopGroup.singleton
        var pools: [ObjectIdentifier: NIOLoopBound<UpstreamConnections>] = [:]
        for loop in group.makeIterator() {
            pools[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(UpstreamConnections(loop: loop, host: upstreamHost, port: upstreamPort), eventLoop: loop)
            }.get()
        }
        let upstreams = pools
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPServerRequestAggregator(maxContentLength: 1 << 20))
                    let upstream = upstreams[ObjectIdentifier(channel.eventLoop)]!.value
                    try channel.pipeline.syncOperations.addHandler(ProxyHandler(upstream: upstream))
                }
            }
            .bind(host: "127.0.0.1", port: port).get()
        try await server.closeFuture.get()
    }
}
