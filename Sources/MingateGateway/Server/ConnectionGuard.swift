import HummingbirdCore
import Logging
import MingatePolicy
import NIOCore
import NIOHTTP1
import HTTPTypes
import NIOHTTPTypes
import Synchronization

/// Limits on client connections that a public-facing proxy needs; every field has a default.
public struct ConnectionLimits: Sendable {
    /// Most connections open at once; past it a new connection is answered 503 `too_many_connections` and closed,
    /// instead of stalling until file descriptors run out.
    public var maxConnections: Int = 10_000
    /// A keep-alive connection with no request in progress is closed after this long.
    public var idleTimeout: Duration = .seconds(60)
    /// From a request's first byte, its head (request line and headers) must be complete within this long, or the
    /// connection is answered 408 `request_timeout` and closed.
    public var headTimeout: Duration = .seconds(10)
    /// From a complete head, the whole body must arrive within this long, or the request is refused with 408
    /// `request_timeout` (recorded) and the connection closed.
    public var bodyTimeout: Duration = .seconds(30)

    public init() {}
}

/// The connections open now, over all event loops.
public final class ConnectionCounter: Sendable {
    private let open = Atomic<Int>(0)
    private let refusedTotal = Atomic<Int>(0)

    public init() {}

    /// Connections open now.
    public var current: Int { open.load(ordering: .relaxed) }
    /// Connections refused by the cap since start.
    public var refused: Int { refusedTotal.load(ordering: .relaxed) }

    func opened() -> Int { open.add(1, ordering: .relaxed).newValue }
    func closed() { open.subtract(1, ordering: .relaxed) }
    func countRefused() -> Int { refusedTotal.add(1, ordering: .relaxed).newValue }
}

/// Thrown into a request's body stream when the body did not arrive within `bodyTimeout`.
struct RequestDeadlineExceeded: Error {}

/// HTTP/1.1 with the connection guard in front of the parser: the cap, the idle, head and body deadlines.
struct GuardedHTTP1Channel: ServerChildChannel {
    typealias Value = HTTP1Channel.Value
    /// Called for a request the HTTP parser refused before its head was complete, with the client's address.
    typealias MalformedRequest = @Sendable (Refusal, String) -> Void
    let base: HTTP1Channel
    let limits: ConnectionLimits
    let counter: ConnectionCounter
    let logger: Logger
    let onMalformed: MalformedRequest

    static func builder(
        limits: ConnectionLimits, counter: ConnectionCounter, logger: Logger,
        onMalformed: @escaping MalformedRequest = { _, _ in }
    ) -> HTTPServerBuilder {
        HTTPServerBuilder { responder in
            GuardedHTTP1Channel(
                base: HTTP1Channel(responder: responder, configuration: .init()), limits: limits, counter: counter,
                logger: logger, onMalformed: onMalformed)
        }
    }

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        let limits = self.limits
        let counter = self.counter
        let guardLogger = self.logger
        let onMalformed = self.onMalformed
        let eventLoop = channel.eventLoop
        return eventLoop.makeCompletedFuture {
            let clock = ConnectionClock(limits: limits)
            try channel.pipeline.syncOperations.addHandler(
                ConnectionGuard(clock: clock, counter: counter, logger: guardLogger), position: .first)
            return NIOLoopBound(clock, eventLoop: eventLoop)
        }.flatMap { clock in
            base.setup(channel: channel, logger: logger).flatMapThrowing { value in
                // After the HTTP parser: sees request heads and ends, and response ends.
                let state = try channel.pipeline.syncOperations.handler(type: HTTPConnectionStateHandler.self)
                try channel.pipeline.syncOperations.addHandler(
                    RequestPhaseObserver(clock: clock.value, onMalformed: onMalformed), position: .before(state))
                return value
            }
        }
    }

    func handle(value: Value, logger: Logger) async {
        await base.handle(value: value, logger: logger)
    }
}

/// Where a connection is in its request cycle, and until when it may stay there; shared by the two handlers of one
/// connection, on its event loop. Entering a phase only stores a deadline (no timer is scheduled per request); one
/// repeating check per connection closes what has overstayed.
final class ConnectionClock {
    enum Phase {
        /// No request in progress (the idle deadline runs).
        case idle
        /// A request's first bytes arrived; its head is not complete (the head deadline runs).
        case readingHead
        /// The head is complete; the body is arriving (the body deadline runs).
        case readingBody
        /// The request is read; the response is being made (no deadline: the partner's timeout applies).
        case responding
    }

    let limits: ConnectionLimits
    private(set) var phase = Phase.idle
    private(set) var deadline = NIODeadline.distantFuture

    init(limits: ConnectionLimits) {
        self.limits = limits
    }

    func enter(_ phase: Phase) {
        self.phase = phase
        switch phase {
        case .idle: deadline = .now() + Self.amount(limits.idleTimeout)
        case .readingHead: deadline = .now() + Self.amount(limits.headTimeout)
        case .readingBody: deadline = .now() + Self.amount(limits.bodyTimeout)
        case .responding: deadline = .distantFuture
        }
    }

    /// How often the deadline is checked: a quarter of the shortest limit, between 20 ms and 1 s.
    var checkInterval: TimeAmount {
        let shortest = min(limits.idleTimeout, limits.headTimeout, limits.bodyTimeout)
        return .nanoseconds(min(max(Self.amount(shortest).nanoseconds / 4, 20_000_000), 1_000_000_000))
    }

    static func amount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.wholeNanoseconds)
    }
}

/// First in the pipeline, on raw bytes: enforces the connection cap and runs the deadlines.
final class ConnectionGuard: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    typealias OutboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let clock: ConnectionClock
    private let counter: ConnectionCounter
    private let logger: Logger
    private var counted = false
    private var rejected = false
    private var check: Scheduled<Void>?

    init(clock: ConnectionClock, counter: ConnectionCounter, logger: Logger) {
        self.clock = clock
        self.counter = counter
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        guard !counted else { return }
        counted = true
        let open = counter.opened()
        if open > clock.limits.maxConnections {
            rejected = true
            let refusals = counter.countRefused()
            // One line per power of two, so a flood of refusals is seen without flooding the log.
            if refusals & (refusals - 1) == 0 {
                logger.warning(
                    "connection cap reached: answering 503 too_many_connections",
                    metadata: ["server.connections": "\(open - 1)", "server.refused_connections": "\(refusals)"])
            }
            let refusal = Refusal(.tooManyConnections, "the gateway has too many open connections; try again shortly")
            context.writeAndFlush(wrapOutboundOut(ErrorBody.raw(refusal))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
            return
        }
        clock.enter(.idle)
        armCheck(context: context)
    }

    /// One check per interval per connection, whatever its number of requests.
    private func armCheck(context: ChannelHandlerContext) {
        check = context.eventLoop.assumeIsolated().scheduleTask(in: clock.checkInterval) { [unowned self] in
            guard self.check != nil else { return }
            if NIODeadline.now() >= self.clock.deadline { self.deadlinePassed(context: context) }
            self.armCheck(context: context)
        }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        check?.cancel()
        check = nil
        if counted { counter.closed() }
        counted = false
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if rejected { return }
        if clock.phase == .idle { clock.enter(.readingHead) }
        context.fireChannelRead(data)
    }

    private func deadlinePassed(context: ChannelHandlerContext) {
        switch clock.phase {
        case .idle:
            clock.enter(.responding)
            context.close(promise: nil)
        case .readingHead:
            let refusal = Refusal(.requestTimeout, "the request head did not arrive in time")
            clock.enter(.responding)
            context.writeAndFlush(wrapOutboundOut(ErrorBody.raw(refusal))).assumeIsolated().whenComplete { _ in
                context.close(promise: nil)
            }
        case .readingBody:
            // The request's handler reads this error from the body stream, records the refusal and answers 408;
            // the connection closes after that answer (or after a grace period if it never comes).
            clock.enter(.responding)
            context.fireErrorCaught(RequestDeadlineExceeded())
            context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(5)) { context.close(promise: nil) }
        case .responding:
            break
        }
    }
}

/// After the HTTP parser: moves the connection's clock from head to body to response and back to idle.
final class RequestPhaseObserver: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let clock: ConnectionClock
    private let onMalformed: GuardedHTTP1Channel.MalformedRequest
    /// The answer began while the request's body was still unread: the connection closes after it.
    private var closing = false

    init(clock: ConnectionClock, onMalformed: @escaping GuardedHTTP1Channel.MalformedRequest) {
        self.clock = clock
        self.onMalformed = onMalformed
    }

    /// A request the parser refused before its head was complete never reaches a handler: it is answered here with
    /// the gateway's JSON error (`malformed_request`, 400), counted like any unidentified refusal (its caller is
    /// unknown), and the connection closed. A parser error inside a body goes on to the request's handler, which
    /// records it with what it knows (`malformed_chunked`).
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, clock.phase == .idle || clock.phase == .readingHead else {
            context.fireErrorCaught(error)
            return
        }
        let refusal = Refusal(.malformedRequest, "the request could not be parsed as HTTP/1.1 (\(parserError))")
        onMalformed(refusal, context.channel.remoteAddress?.ipAddress ?? "unknown")
        clock.enter(.responding)
        let body = ErrorBody.json(refusal)
        let head = HTTPResponse(
            status: .init(code: refusal.httpStatus),
            headerFields: [.contentType: "application/json", .contentLength: "\(body.count)", .connection: "close"])
        context.write(wrapOutboundOut(.head(head)), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).assumeIsolated().whenComplete { _ in context.close(promise: nil) }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: if clock.phase != .responding { clock.enter(.readingBody) }
        case .end: if clock.phase == .readingBody { clock.enter(.responding) }
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            // Any answer given before the body was read (a refusal at identify, place or permit, a declared size
            // over the limit) ends the connection: an unread body is never drained, whatever its size.
            closing = clock.phase == .readingBody
            if closing {
                head.headerFields[.connection] = "close"
                context.write(wrapOutboundOut(.head(head)), promise: promise)
            } else {
                context.write(data, promise: promise)
            }
        case .body:
            context.write(data, promise: promise)
        case .end:
            if closing {
                let written = promise ?? context.eventLoop.makePromise()
                context.write(data, promise: written)
                written.futureResult.assumeIsolated().whenComplete { _ in context.close(promise: nil) }
                return
            }
            // The answer is complete: wait for the next request.
            if clock.phase == .responding { clock.enter(.idle) }
            context.write(data, promise: promise)
        }
    }
}
