/// A route a purpose may call: a method and a path template like `/v1/orders/{id}/cancel`.
///
/// A `{name}` matches exactly one non-empty segment; everything else matches literally. Paths are checked for
/// dot segments, empty segments and encoded slashes before they get here (`PartnerPath`).
public struct RouteTemplate: Sendable, Hashable, CustomStringConvertible {
    public enum Segment: Sendable, Hashable {
        case literal(String)
        case parameter(String)
    }

    public let method: String
    public let segments: [Segment]

    /// Parses `POST /v2/charge`; nil with a reason when it is not a route.
    public static func parse(_ text: String) -> Result<RouteTemplate, RouteTemplateError> {
        let parts = text.split(separator: " ", omittingEmptySubsequences: true)
        guard parts.count == 2 else { return .failure(.init(message: "a route is 'METHOD /path', got '\(text)'")) }
        let method = parts[0].uppercased()
        guard ["GET", "POST", "PUT", "PATCH", "DELETE"].contains(method) else {
            return .failure(.init(message: "unsupported method '\(parts[0])'"))
        }
        let path = parts[1]
        guard path.hasPrefix("/") else { return .failure(.init(message: "a route path starts with '/'")) }
        var segments: [Segment] = []
        for raw in path.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            if raw.isEmpty && path != "/" { return .failure(.init(message: "empty segment in '\(path)'")) }
            if raw.hasPrefix("{") && raw.hasSuffix("}") && raw.count > 2 {
                segments.append(.parameter(String(raw.dropFirst().dropLast())))
            } else if raw.contains("{") || raw.contains("}") || raw == "." || raw == ".." || raw.contains("%") {
                return .failure(.init(message: "invalid segment '\(raw)' in '\(path)'"))
            } else if !raw.isEmpty {
                segments.append(.literal(String(raw)))
            }
        }
        return .success(RouteTemplate(method: method, segments: segments))
    }

    init(method: String, segments: [Segment]) {
        self.method = method
        self.segments = segments
    }

    /// Whether a method and checked path segments fall under this template.
    public func matches(method: String, segments pathSegments: [String]) -> Bool {
        guard method == self.method, pathSegments.count == segments.count else { return false }
        for (template, segment) in zip(segments, pathSegments) {
            switch template {
            case .literal(let literal): if literal != segment { return false }
            case .parameter: if segment.isEmpty { return false }
            }
        }
        return true
    }

    /// The names of the template's `{name}` parameters, in order.
    public var parameterNames: [String] {
        segments.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
    }

    /// The template as written, e.g. `POST /v2/charge`.
    public var description: String { "\(method) \(pathTemplate)" }

    public var pathTemplate: String {
        "/" + segments.map {
            switch $0 {
            case .literal(let text): text
            case .parameter(let name): "{\(name)}"
            }
        }.joined(separator: "/")
    }
}

public struct RouteTemplateError: Error, Sendable {
    public let message: String
}
