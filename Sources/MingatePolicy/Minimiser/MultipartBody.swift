/// A `multipart/form-data` body (RFC 7578), parsed strictly: every part has a unique name, and anything the
/// parser cannot account for refuses the request instead of slipping through.
public struct MultipartBody: Sendable {
    public struct Part: Sendable {
        public var name: String
        public var filename: String?
        /// Lowercased media type without parameters, nil when the part has none.
        public var contentType: String?
        public var body: [UInt8]
    }

    public var boundary: String
    public var parts: [Part]

    public init(boundary: String, parts: [Part]) {
        self.boundary = boundary
        self.parts = parts
    }

    public struct ParseError: Error, Sendable {
        public let message: String
    }

    public static func parse(_ body: [UInt8], boundary: String) throws(ParseError) -> MultipartBody {
        guard !boundary.isEmpty, boundary.utf8.count <= 70 else { throw ParseError(message: "invalid boundary") }
        let delimiter = Array("--\(boundary)".utf8)
        let separator = Array("\r\n--\(boundary)".utf8)
        guard body.starts(with: delimiter) else { throw ParseError(message: "body does not start with the boundary") }
        var position = delimiter.count
        var parts: [Part] = []
        var names: Set<String> = []
        while true {
            // After a delimiter: "--" closes, "\r\n" opens a part.
            if body[position...].starts(with: [UInt8(ascii: "-"), UInt8(ascii: "-")]) {
                let rest = body[(position + 2)...]
                guard rest.allSatisfy({ $0 == 0x0D || $0 == 0x0A }) else {
                    throw ParseError(message: "content after the closing boundary")
                }
                return MultipartBody(boundary: boundary, parts: parts)
            }
            guard body[position...].starts(with: [0x0D, 0x0A]) else { throw ParseError(message: "malformed boundary line") }
            position += 2
            guard let headerEnd = find([0x0D, 0x0A, 0x0D, 0x0A], in: body, from: position) else {
                throw ParseError(message: "part headers not terminated")
            }
            guard let headerText = String(validating: body[position..<headerEnd], as: UTF8.self) else {
                throw ParseError(message: "part headers are not UTF-8")
            }
            var part = try parseHeaders(headerText)
            position = headerEnd + 4
            guard let end = find(separator, in: body, from: position) else {
                throw ParseError(message: "part not terminated by the boundary")
            }
            part.body = Array(body[position..<end])
            guard names.insert(part.name).inserted else { throw ParseError(message: "two parts share a name") }
            parts.append(part)
            position = end + separator.count
            guard position < body.count else { throw ParseError(message: "missing closing boundary") }
        }
    }

    static func parseHeaders(_ text: String) throws(ParseError) -> Part {
        var name: String?
        var filename: String?
        var contentType: String?
        for line in text.split(separator: "\r\n", omittingEmptySubsequences: true) {
            guard let colon = line.firstIndex(of: ":") else { throw ParseError(message: "malformed part header") }
            let field = line[..<colon].trimmingCharacters(in: .whitespaces).lowercased()
            let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            switch field {
            case "content-disposition":
                let parameters = HeaderParameters.parse(value)
                guard parameters.value.lowercased() == "form-data", let partName = parameters["name"] else {
                    throw ParseError(message: "a part needs 'Content-Disposition: form-data; name=…'")
                }
                name = partName
                filename = parameters["filename"]
            case "content-type":
                contentType = HeaderParameters.parse(value).value.lowercased()
            default:
                continue  // other part headers are dropped
            }
        }
        guard let name else { throw ParseError(message: "a part has no name") }
        return Part(name: name, filename: filename, contentType: contentType, body: [])
    }

    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard needle.count <= haystack.count, start <= haystack.count - needle.count else { return nil }
        let first = needle[0]
        var index = start
        let last = haystack.count - needle.count
        while index <= last {
            if haystack[index] == first && haystack[index..<index + needle.count].elementsEqual(needle) {
                return index
            }
            index += 1
        }
        return nil
    }

    /// Writes the body back with the same boundary (it cannot occur inside parts that it delimited).
    public func serialised() -> [UInt8] {
        var out: [UInt8] = []
        for part in parts {
            out += Array("--\(boundary)\r\n".utf8)
            var disposition = "Content-Disposition: form-data; name=\"\(Self.quote(part.name))\""
            if let filename = part.filename { disposition += "; filename=\"\(Self.quote(filename))\"" }
            out += Array("\(disposition)\r\n".utf8)
            if let contentType = part.contentType { out += Array("Content-Type: \(contentType)\r\n".utf8) }
            out += [0x0D, 0x0A]
            out += part.body
            out += [0x0D, 0x0A]
        }
        out += Array("--\(boundary)--\r\n".utf8)
        return out
    }

    static func quote(_ text: String) -> String {
        text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\r", with: "").replacingOccurrences(of: "\n", with: "")
    }
}

/// A header value with parameters: `multipart/form-data; boundary=abc` or `form-data; name="x"`.
public struct HeaderParameters: Sendable {
    public let value: String
    public let parameters: [String: String]

    public subscript(name: String) -> String? { parameters[name.lowercased()] }

    public static func parse(_ text: String) -> HeaderParameters {
        var pieces: [String] = []
        var current = ""
        var quoted = false
        var escaped = false
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" && quoted {
                escaped = true
            } else if character == "\"" {
                quoted.toggle()
            } else if character == ";" && !quoted {
                pieces.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        pieces.append(current)
        var parameters: [String: String] = [:]
        for piece in pieces.dropFirst() {
            let parts = piece.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { continue }
            parameters[parts[0].trimmingCharacters(in: .whitespaces).lowercased()] =
                parts[1].trimmingCharacters(in: .whitespaces)
        }
        return HeaderParameters(value: pieces[0].trimmingCharacters(in: .whitespaces), parameters: parameters)
    }
}

import Foundation
