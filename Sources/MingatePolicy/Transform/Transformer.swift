import Crypto
import Foundation

/// Applies transforms with the keys of one partner. Built once per partner when the policy loads.
public struct Transformer: Sendable {
    private let pseudonymKey: SymmetricKey

    /// `pseudonymKey` is the partner's own key, derived from the gateway's pseudonym key and the partner id, so two
    /// partners never receive the same pseudonym for the same person.
    public init(pseudonymKey: SymmetricKey) {
        self.pseudonymKey = pseudonymKey
    }

    /// Derives a partner's pseudonym key from the gateway's master key.
    public static func partnerKey(master: SymmetricKey, partner: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(for: Data("mingate/pseudonym/\(partner)".utf8), using: master))
    }

    /// Applies `transform` to a scalar. Containers can only be kept whole; anything else fails, closed.
    public func apply(_ transform: Transform, to value: JSONValue) throws(TransformError) -> JSONValue {
        if case .keep = transform { return value }
        let text: String
        switch value {
        case .string(let string): text = string
        case .number(let number): text = number.text
        case .null: return .null
        case .bool, .array, .object: throw TransformError(transform: transform, typeName: value.typeName)
        }
        return .string(try apply(transform, toText: text, typeName: value.typeName))
    }

    public func apply(_ transform: Transform, toText text: String, typeName: String = "string") throws(TransformError)
        -> String
    {
        switch transform {
        case .keep:
            return text
        case .mask(let keepLast):
            let characters = Array(text)
            let kept = characters.suffix(min(keepLast, characters.count / 2))
            return String(repeating: "*", count: 4) + String(kept)
        case .card:
            let digits = text.filter(\.isASCII).filter(\.isNumber)
            guard digits.count >= 12, digits.count <= 19 else { throw TransformError(transform: transform, typeName: typeName) }
            return String(digits.prefix(6)) + String(repeating: "*", count: digits.count - 10) + String(digits.suffix(4))
        case .pseudonym:
            let code = HMAC<SHA256>.authenticationCode(for: Data(text.utf8), using: pseudonymKey)
            return "psn_" + KeyedDigests.hex(code.prefix(16))
        case .generaliseDate(let precision):
            let scalars = Array(text.unicodeScalars)
            func digits(_ range: Range<Int>) -> Bool {
                range.upperBound <= scalars.count && scalars[range].allSatisfy { ("0"..."9").contains($0) }
            }
            guard digits(0..<4) else { throw TransformError(transform: transform, typeName: typeName) }
            if precision == .year { return String(text.prefix(4)) }
            guard scalars.count >= 7, scalars[4] == "-", digits(5..<7) else {
                throw TransformError(transform: transform, typeName: typeName)
            }
            return String(text.prefix(7))
        case .truncate(let length):
            return String(text.prefix(length))
        }
    }
}

/// A transform that cannot apply to the value it met (a card number that is not one, an object to mask…).
public struct TransformError: Error, Sendable {
    public let transform: Transform
    public let typeName: String
}
