import NIOCore
import NIOHTTP1

/// One caller connection: takes a whole request (NIO's aggregator collects it), sends it to the partner, writes
/// the answer back.
final class ProxyHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPServerRequestFull
    typealias OutboundOut = HTTPServerResponsePart

    let upstream: UpstreamConnections

    init(upstream: UpstreamConnections) { self.upstream = upstream }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let request = unwrapInboundIn(data)
        let head = request.head
        let body = request.body ?? ByteBuffer()
        // `/p/{partner}/{purpose}/rest` goes to the partner as `/rest`.
        let segments = head.uri.split(separator: "/", maxSplits: 3, omittingEmptySubsequences: false)
        let path = segments.count == 4 ? "/" + segments[3] : "/"
        var outbound = HTTPRequestHead(version: .http1_1, method: head.method, uri: path)
        outbound.headers.add(name: "Host", value: upstream.hostHeader)
        outbound.headers.add(name: "Content-Type", value: head.headers.first(name: "content-type") ?? "application/octet-stream")
        outbound.headers.add(name: "Content-Length", value: String(body.readableBytes))
        let keepAlive = head.isKeepAlive
        let context = NIOLoopBound(context, eventLoop: context.eventLoop)
        upstream.send(outbound, body).assumeIsolated().whenComplete { result in
            let context = context.value
            var answer = HTTPResponseHead(version: .http1_1, status: .badGateway)
            var answerBody = ByteBuffer()
            if case .success(let response) = result {
                answer.status = response.head.status
                answerBody = response.body
            }
            answer.headers.add(name: "Content-Length", value: String(answerBody.readableBytes))
            if !keepAlive { answer.headers.add(name: "Connection", value: "close") }
            context.write(self.wrapOutboundOut(.head(answer)), promise: nil)
            context.write(self.wrapOutboundOut(.body(.byteBuffer(answerBody))), promise: nil)
            let done = context.writeAndFlush(self.wrapOutboundOut(.end(nil)))
            if !keepAlive { done.assumeIsolated().whenComplete { _ in context.close(promise: nil) } }
        }
    }
}
