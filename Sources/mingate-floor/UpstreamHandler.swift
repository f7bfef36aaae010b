import NIOCore
import NIOHTTP1

/// Collects one partner answer at a time and hands it to the request waiting for it.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    struct Closed: Error {}

    var waiting: EventLoopPromise<UpstreamConnections.Answer>?
    private var head: HTTPResponseHead?
    private var body = ByteBuffer()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            self.head = head
            body.clear()
        case .body(var part):
            body.writeBuffer(&part)
        case .end:
            if let head, let waiting {
                self.waiting = nil
                waiting.succeed(.init(head: head, body: body))
            }
            head = nil
        }
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
