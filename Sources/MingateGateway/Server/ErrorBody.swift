import HTTPTypes
import Hummingbird
import MingatePolicy

/// A refusal is the edge's one kind of error: a stable code, a status and a message fit for the caller. This is
/// the one place it becomes HTTP: `{"error": {"code": "…", "message": "…"}}` with the code's status and the
/// request id. Hummingbird's router turns any thrown `HTTPResponseError` into its response.
extension Refusal: HTTPResponseError {
    public var status: HTTPResponse.Status { .init(code: httpStatus) }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        ErrorBody.response(self, requestID: (context as? GatewayRequestContext)?.requestID)
    }
}

enum ErrorBody {
    /// `{"error": {"code": "…", "message": "…"}}`.
    static func json(_ refusal: Refusal) -> [UInt8] {
        JSONWriter().bytes([
            "error": .object(JSONObject([("code", .string(refusal.code.rawValue)), ("message", .string(refusal.message))]))
        ])
    }

    /// The response for a refusal. A refusal given before the body was read also closes the connection; the
    /// connection guard sees to that (`RequestPhaseObserver`), whatever the refusal.
    static func response(_ refusal: Refusal, requestID: String?) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let requestID { headers[.requestID] = requestID }
        return Response(
            status: .init(code: refusal.httpStatus), headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: json(refusal))))
    }

    /// The raw bytes of a refusal for a connection that never got as far as a request (connection cap, slow head).
    static func raw(_ refusal: Refusal) -> ByteBuffer {
        let body = json(refusal)
        let reason = [408: "Request Timeout", 503: "Service Unavailable"][refusal.httpStatus] ?? "Error"
        var buffer = ByteBuffer(
            string: "HTTP/1.1 \(refusal.httpStatus) \(reason)\r\nContent-Type: application/json\r\nConnection: close\r\n"
                + "Content-Length: \(body.count)\r\n\r\n")
        buffer.writeBytes(body)
        return buffer
    }
}

/// Turns what is not a refusal into one, so every answer the gateway gives has the same JSON error shape and a
/// stable code: the router's own 404 and 405, and anything unexpected (500, logged without payload).
struct ErrorBodyMiddleware: RouterMiddleware {
    typealias Context = GatewayRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let refusal as Refusal {
            throw refusal
        } catch let error as HTTPError {
            switch error.status {
            case .notFound: throw Refusal(.notFound, "no such resource; partner calls go to /p/{partner}/{purpose}/{path}")
            case .methodNotAllowed: throw Refusal(.methodNotAllowed, "this resource does not take \(request.method.rawValue)")
            case .contentTooLarge: throw Refusal(.bodyTooLarge, error.body ?? "the body is too large")
            default:
                throw Refusal(.badRequest, error.body ?? "the request cannot be handled")
            }
        } catch {
            context.logger.error("unexpected error", metadata: ["error.type": "\(type(of: error))"])
            throw Refusal(.internalError, "the gateway failed to handle this request; nothing was sent")
        }
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
