import NIOCore
import NIOHTTP1
import NIOPosix

/// The partner connections of one event loop: idle keep-alive connections are reused, one request at a time each.
/// Touched only on its loop.
final class UpstreamConnections {
    struct Answer: Sendable {
        let head: HTTPResponseHead
        let body: ByteBuffer
    }

    let loop: any EventLoop
    let host: String
    let port: Int
    var hostHeader: String { "\(host):\(port)" }
    private var idle: [any Channel] = []

    init(loop: any EventLoop, host: String, port: Int) {
        self.loop = loop
        self.host = host
        self.port = port
    }

    func send(_ head: HTTPRequestHead, _ body: ByteBuffer) -> EventLoopFuture<Answer> {
        let loop = self.loop
        let connection: EventLoopFuture<any Channel> =
            idle.popLast().map { loop.makeSucceededFuture($0) }
            ?? ClientBootstrap(group: loop)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(NIOHTTPClientResponseAggregator(maxContentLength: 1 << 20))
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler())
                }
            }
            .connect(host: host, port: port)
        return connection.assumeIsolated().flatMap { channel -> EventLoopFuture<Answer> in
            let promise = loop.makePromise(of: Answer.self)
            do {
                try channel.pipeline.syncOperations.handler(type: UpstreamHandler.self).waiting = promise
            } catch {
                promise.fail(error)
                return promise.futureResult
            }
            channel.write(HTTPClientRequestPart.head(head), promise: nil)
            channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
            return promise.futureResult.assumeIsolated().map { answer in
                if answer.head.isKeepAlive { self.idle.append(channel) } else { channel.close(promise: nil) }
                return answer
            }.nonisolated()
        }.nonisolated()
    }
}
