import Hummingbird
import MingatePolicy
import NIOCore

/// The gateway's own successful answers (errors are `ErrorBody`'s): plain text and JSON.
extension Response {
    static func text(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; charset=utf-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func json(_ status: Int, _ body: JSONValue) -> Response {
        Response(
            status: .init(code: status), headers: [.contentType: "application/json"],
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(body))))
    }
}
