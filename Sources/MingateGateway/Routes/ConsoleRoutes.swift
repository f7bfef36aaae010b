import HTTPTypes
import Hummingbird
import NIOCore

/// The auditors' console: three static files compiled into the binary, served at `/console/` without a token.
/// They hold no data: every figure on the page comes from `/audit/…` with the auditor's token, which the page keeps
/// in the tab's `sessionStorage` only. The content security policy lets the page run only its own script and talk
/// only to this gateway.
struct ConsoleRoutes: Sendable {
    static let securityHeaders: HTTPFields = [
        .contentSecurityPolicy:
            "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        HTTPField.Name("X-Content-Type-Options")!: "nosniff",
        HTTPField.Name("Referrer-Policy")!: "no-referrer",
        HTTPField.Name("X-Frame-Options")!: "DENY",
        .cacheControl: "no-cache",
    ]

    func add(to router: Router<GatewayRequestContext>) {
        let page = Self.file(PackageResources.console_html, "text/html; charset=utf-8")
        router.get("console") { _, _ in page }
        router.get("console/index.html") { _, _ in page }
        let script = Self.file(PackageResources.console_js, "text/javascript; charset=utf-8")
        router.get("console/console.js") { _, _ in script }
        let style = Self.file(PackageResources.console_css, "text/css; charset=utf-8")
        router.get("console/console.css") { _, _ in style }
    }

    static func file(_ bytes: [UInt8], _ type: String) -> Response {
        var headers = securityHeaders
        headers[.contentType] = type
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
