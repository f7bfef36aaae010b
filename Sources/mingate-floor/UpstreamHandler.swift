import NIOCore
import NIOHTTP1

/// Hands each partner answer (whole: NIO's aggregator collects it) to the request waiting for it.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = NIOHTTPClientResponseFull

    struct Closed: Error {}

    var waiting: EventLoopPromise<UpstreamConnections.Answer>?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let response = unwrapInboundIn(data)
        waiting?.succeed(.init(head: response.head, body: response.body ?? ByteBuffer()))
        waiting = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        waiting?.fail(Closed())
        waiting = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        waiting?.fail(error)
        waiting = nil
        context.close(promise: nil)
    }
}
