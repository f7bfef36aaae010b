import HTTPTypes
import Hummingbird
import MingatePolicy

/// The one place errors become HTTP: `{"error": {"code": "…", "message": "…"}}` with the code's status.
enum ErrorBody {
    static func response(_ refusal: Refusal, requestID: String) -> Response {
        response(status: refusal.status, code: refusal.code.rawValue, message: refusal.message, requestID: requestID)
    }

    static func response(status: Int, code: String, message: String, requestID: String?) -> Response {
        let body: JSONValue = [
            "error": .object(JSONObject([("code", .string(code)), ("message", .string(message))]))
        ]
        var headers = HTTPFields()
        headers[.contentType] = "application/json"
        if let requestID { headers[.requestID] = requestID }
        return Response(
            status: .init(code: status), headers: headers,
            body: .init(byteBuffer: ByteBuffer(bytes: JSONWriter().bytes(body))))
    }
}

extension HTTPField.Name {
    static let requestID = HTTPField.Name("X-Request-Id")!
}
