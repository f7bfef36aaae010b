/// The request target `/p/{partner}/{purpose}/{rest…}?{query}`, checked so that no spelling of a path can
/// escape the declared route templates: dot segments (also as `%2e`), empty segments (`//`), encoded slashes
/// and backslashes and control characters are refused, not normalised.
public struct PartnerPath: Sendable, Equatable {
    public let partner: String
    public let purpose: String
    /// The partner path's segments, percent-decoded and checked.
    public let segments: [String]
    /// The raw query string (without `?`), nil when there is none.
    public let query: Substring?

    public static let prefix = "/p/"

    public static func parse(_ target: String) throws(Refusal) -> PartnerPath {
        let pathPart: Substring
        var query: Substring?
        if let mark = target.firstIndex(of: "?") {
            pathPart = target[..<mark]
            query = target[target.index(after: mark)...]
        } else {
            pathPart = Substring(target)
        }
        if pathPart.contains("#") { throw Refusal(.badPath, "a fragment is not allowed in a request target") }
        guard pathPart.hasPrefix(prefix) else { throw Refusal(.notFound, "partner calls go to /p/{partner}/{purpose}/{path}") }
        let raw = pathPart.dropFirst(prefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard raw.count >= 2 else { throw Refusal(.badPath, "the path names a partner and a purpose") }
        var decoded: [String] = []
        for (offset, segment) in raw.enumerated() {
            // A single trailing slash after the purpose means the partner's root path.
            if segment.isEmpty && offset == raw.count - 1 && offset == 2 { break }
            decoded.append(try checkSegment(segment))
        }
        guard decoded.count >= 2 else { throw Refusal(.badPath, "the path names a partner and a purpose") }
        return PartnerPath(partner: decoded[0], purpose: decoded[1], segments: Array(decoded.dropFirst(2)), query: query)
    }

    static func checkSegment(_ segment: Substring) throws(Refusal) -> String {
        if segment.isEmpty { throw Refusal(.badPath, "empty path segment ('//')") }
        // Nearly every segment is printable ASCII without escapes or backslashes: nothing to decode or look for.
        if segment != ".", segment != "..",
            !segment.utf8.contains(where: { $0 <= 0x20 || $0 >= 0x7F || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: "\\") })
        {
            return String(segment)
        }
        let lower = segment.lowercased()
        if lower.contains("%2f") || lower.contains("%5c") || segment.contains("\\") {
            throw Refusal(.badPath, "encoded slash or backslash in the path")
        }
        guard let text = FormEncoding.unescapePath(segment) else {
            throw Refusal(.badPath, "invalid percent-encoding in the path")
        }
        if text == "." || text == ".." { throw Refusal(.badPath, "dot segment in the path") }
        if text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F || $0 == "/" }) {
            throw Refusal(.badPath, "control character in the path")
        }
        return text
    }

    /// The partner path re-encoded for the outbound request.
    public var encodedPartnerPath: String {
        segments.isEmpty ? "/" : "/" + segments.map(FormEncoding.escapePathSegment).joined(separator: "/")
    }
}

extension FormEncoding {
    /// Percent-decodes a path segment (`+` stays `+`); nil on a broken escape or non-UTF-8 result.
    static func unescapePath(_ text: Substring) -> String? {
        percentDecode(text, plusAsSpace: false)
    }

    /// Percent-encodes a path segment, leaving unreserved characters and `:@!$&'()*+,;=` alone.
    static func escapePathSegment(_ text: String) -> String {
        percentEncode(text, keeping: pathSegmentExtras)
    }

    static let pathSegmentExtras = Set(":@!$&'()*+,;=".utf8)
}
