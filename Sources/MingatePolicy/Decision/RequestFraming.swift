import Foundation

/// The framing of an inbound request, checked before it is placed: what RFC 9112 and RFC 9110 ask of a proxy that
/// must not be confused about where one request ends, or pass on bytes it cannot read back.
///
/// - exactly one `Host` (RFC 9112 §3.2: a request without one, or with two, is refused);
/// - `Transfer-Encoding`, when present, is exactly `chunked`: another coding (`gzip, chunked`) is not decoded here,
///   so it is refused with 501 rather than forwarded unread; a `chunked` with parameters is malformed framing;
/// - header values are visible ASCII, space and tab: a byte outside ASCII is refused, not altered (the server's
///   parser would otherwise have turned it into U+FFFD).
///
/// Pure: the edge passes whether the head carried a `Host` (HTTP types keep the first as the authority) and the
/// remaining header fields as received.
public enum RequestFraming {
    public static func check(hasHost: Bool, headers: [(name: String, value: String)]) throws(Refusal) {
        guard hasHost else { throw Refusal(.badHost, "a request carries exactly one Host header; this one has none") }
        for header in headers {
            let name = header.name.lowercased()
            if name == "host" { throw Refusal(.badHost, "a request carries exactly one Host header; this one has more") }
            if name == "transfer-encoding" { try checkCodings(header.value) }
            for byte in header.value.utf8 where !(byte == 0x09 || (byte >= 0x20 && byte < 0x7F)) {
                throw Refusal(.badHeaderValue, "header '\(name)' has a byte outside visible ASCII")
            }
        }
    }

    /// The header names a message lists in `Connection`, lower-cased: hop-by-hop for that one connection (RFC 9110
    /// §7.6.1), so they never travel on, in either direction, whatever an allowlist says.
    public static func connectionListed(in headers: [(name: String, value: String)]) -> Set<String> {
        var listed: Set<String> = []
        for header in headers where isNamed(header.name, "connection") {
            for token in header.value.split(separator: ",") {
                listed.insert(token.trimmingCharacters(in: .whitespaces).lowercased())
            }
        }
        return listed
    }

    /// Whether a header's name is `lowercase` in any case, compared byte by byte: no lower-cased copy per header.
    static func isNamed(_ name: String, _ lowercase: StaticString) -> Bool {
        guard name.utf8.count == lowercase.utf8CodeUnitCount else { return false }
        let expected = UnsafeBufferPointer(start: lowercase.utf8Start, count: lowercase.utf8CodeUnitCount)
        for (byte, lower) in zip(name.utf8, expected) {
            let folded = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            if folded != lower { return false }
        }
        return true
    }

    static func checkCodings(_ value: String) throws(Refusal) {
        let codings = value.split(separator: ",", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces).lowercased()
        }
        if codings == ["chunked"] { return }
        if codings.count == 1, codings[0].hasPrefix("chunked") {
            throw Refusal(.malformedChunked, "Transfer-Encoding 'chunked' takes no parameters")
        }
        throw Refusal(.unsupportedTransferCoding, "only the chunked transfer coding is accepted")
    }
}
