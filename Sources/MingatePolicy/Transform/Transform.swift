import Foundation

/// What happens to an allowed value on its way out.
///
/// Written in policy files as `keep`, `mask(4)`, `card`, `pseudonym`, `year`, `year-month` or `truncate(20)`.
public enum Transform: Sendable, Hashable, CustomStringConvertible {
    /// Sent as it is.
    case keep
    /// Every character but the last `keepLast` replaced; the partner sees `****0123`.
    case mask(keepLast: Int)
    /// A payment card number reduced to its first six and last four digits (`622202******0123`).
    case card
    /// A keyed HMAC-SHA256 of the value under the partner's own key: stable for one partner, unlinkable across.
    case pseudonym
    /// A date (`1990-03-07`, or an RFC 3339 timestamp) cut to its year or year and month.
    case generaliseDate(DatePrecision)
    /// The first `length` characters.
    case truncate(length: Int)

    public enum DatePrecision: String, Sendable, Hashable {
        case year
        case yearMonth = "year-month"
    }

    /// Parses the policy-file spelling; nil when it is not a known transform.
    public init?(spelling: String) {
        let text = spelling.trimmingCharacters(in: .whitespaces)
        func argument(_ name: String) -> Int? {
            guard text.hasPrefix(name + "("), text.hasSuffix(")") else { return nil }
            return Int(text.dropFirst(name.count + 1).dropLast())
        }
        switch text {
        case "keep": self = .keep
        case "mask": self = .mask(keepLast: 4)
        case "card": self = .card
        case "pseudonym": self = .pseudonym
        case "year": self = .generaliseDate(.year)
        case "year-month": self = .generaliseDate(.yearMonth)
        default:
            if let count = argument("mask"), count >= 0 {
                self = .mask(keepLast: count)
            } else if let length = argument("truncate"), length > 0 {
                self = .truncate(length: length)
            } else {
                return nil
            }
        }
    }

    public var description: String {
        switch self {
        case .keep: "keep"
        case .mask(let keepLast): "mask(\(keepLast))"
        case .card: "card"
        case .pseudonym: "pseudonym"
        case .generaliseDate(let precision): precision.rawValue
        case .truncate(let length): "truncate(\(length))"
        }
    }
}
