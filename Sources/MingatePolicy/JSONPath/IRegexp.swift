import Foundation

/// An I-Regexp (RFC 9485) pattern, checked against the RFC's grammar and translated to the ICU dialect that
/// `NSRegularExpression` speaks. Anything outside I-Regexp (back-references, `\d`, look-around, lazy
/// quantifiers…) makes the pattern invalid, which `match` and `search` treat as "no match".
struct IRegexp: @unchecked Sendable {
    // NSRegularExpression is immutable and documented thread-safe for matching.
    private let regex: NSRegularExpression

    init?(_ pattern: String, anchored: Bool) {
        guard let translated = Self.translate(pattern) else { return nil }
        let full = anchored ? "\\A(?:\(translated))\\z" : translated
        guard let regex = try? NSRegularExpression(pattern: full, options: []) else { return nil }
        self.regex = regex
    }

    func matches(_ subject: String) -> Bool {
        let range = NSRange(subject.startIndex..<subject.endIndex, in: subject)
        return regex.firstMatch(in: subject, options: [], range: range) != nil
    }

    /// Translates I-Regexp to ICU, or nil when the pattern is not valid I-Regexp.
    static func translate(_ pattern: String) -> String? {
        var translator = Translator(scalars: Array(pattern.unicodeScalars))
        guard let out = translator.branchList(), translator.position == translator.scalars.count else { return nil }
        return out
    }

    private struct Translator {
        let scalars: [Unicode.Scalar]
        var position = 0

        func peek(_ offset: Int = 0) -> Unicode.Scalar? {
            position + offset < scalars.count ? scalars[position + offset] : nil
        }

        /// regExp = branch *( "|" branch )
        mutating func branchList() -> String? {
            var out = ""
            guard let first = branch() else { return nil }
            out += first
            while peek() == "|" {
                position += 1
                guard let next = branch() else { return nil }
                out += "|" + next
            }
            return out
        }

        /// branch = *piece; piece = atom [quantifier]
        mutating func branch() -> String? {
            var out = ""
            while let next = peek(), next != "|", next != ")" {
                guard let atom = atom() else { return nil }
                out += atom
                if let quantifier = quantifier() {
                    out += quantifier
                } else if position < scalars.count, ["*", "+", "?", "{"].contains(scalars[position]) {
                    return nil
                }
            }
            return out
        }

        mutating func quantifier() -> String? {
            guard let next = peek() else { return nil }
            switch next {
            case "*", "+", "?":
                position += 1
                return String(next)
            case "{":
                let save = position
                position += 1
                guard let low = digits() else {
                    position = save
                    return nil
                }
                var out = "{" + low
                if peek() == "," {
                    position += 1
                    out += ","
                    if let high = digits() {
                        guard Int(high)! >= Int(low)! else { return nil }
                        out += high
                    }
                }
                guard peek() == "}" else {
                    position = save
                    return nil
                }
                position += 1
                return out + "}"
            default: return nil
            }
        }

        mutating func digits() -> String? {
            var out = ""
            while let digit = peek(), ("0"..."9").contains(digit) {
                out.unicodeScalars.append(digit)
                position += 1
            }
            return out.isEmpty ? nil : out
        }

        mutating func atom() -> String? {
            guard let next = peek() else { return nil }
            switch next {
            case "(":
                position += 1
                guard let inner = branchList(), peek() == ")" else { return nil }
                position += 1
                return "(?:" + inner + ")"
            case ".":
                position += 1
                return "[^\\n\\r]"
            case "^":
                // The compliance suite reads "^" and "$" as anchors; "$" is the strict end, not before a final newline.
                position += 1
                return "^"
            case "$":
                position += 1
                return "\\z"
            case "[":
                return characterClass()
            case "\\":
                return escape(inClass: false)
            case "*", "+", "?", "{", "}", ")", "]", "|":
                return nil
            default:
                position += 1
                return Self.literal(next)
            }
        }

        /// A literal character, escaped for ICU where ICU would read it as syntax.
        static func literal(_ scalar: Unicode.Scalar) -> String {
            if scalar.isASCII, !(("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar)
                || ("0"..."9").contains(scalar)), scalar.value >= 0x21, scalar.value < 0x7F
            {
                return "\\" + String(scalar)
            }
            if scalar.value < 0x20 || scalar == " " || scalar.value > 0x7E {
                return String(format: "\\x{%X}", scalar.value)
            }
            return String(scalar)
        }

        /// charClassEsc / SingleCharEsc after a backslash.
        mutating func escape(inClass: Bool) -> String? {
            position += 1
            guard let next = peek() else { return nil }
            position += 1
            switch next {
            case "n": return "\\n"
            case "r": return "\\r"
            case "t": return "\\t"
            case "(", ")", "*", "+", ".", "?", "[", "\\", "]", "^", "{", "|", "}", "-":
                return Self.literal(next)
            case "p", "P":
                guard peek() == "{" else { return nil }
                position += 1
                var name = ""
                while let scalar = peek(), scalar != "}" {
                    name.unicodeScalars.append(scalar)
                    position += 1
                }
                guard peek() == "}", Self.categories.contains(name) else { return nil }
                position += 1
                return "\\\(next){\(name)}"
            default:
                return nil
            }
        }

        static let categories: Set<String> = [
            "L", "Lu", "Ll", "Lt", "Lm", "Lo", "M", "Mn", "Mc", "Me", "N", "Nd", "Nl", "No", "P", "Pc", "Pd", "Ps",
            "Pe", "Pi", "Pf", "Po", "Z", "Zs", "Zl", "Zp", "S", "Sm", "Sc", "Sk", "So", "C", "Cc", "Cf", "Co", "Cn",
        ]

        /// charClassExpr = "[" ["^"] ( "-" / CCE1 ) *CCE1 ["-"] "]"
        mutating func characterClass() -> String? {
            position += 1
            var out = "["
            if peek() == "^" {
                position += 1
                out += "^"
            }
            var first = true
            while let next = peek(), next != "]" || first && false {
                if next == "]" { break }
                if next == "-" {
                    // A "-" is literal only first or last in the class.
                    let isLast = peek(1) == "]"
                    guard first || isLast else { return nil }
                    position += 1
                    out += "\\-"
                    first = false
                    continue
                }
                guard let low = classCharacter() else { return nil }
                if peek() == "-", let after = peek(1), after != "]" {
                    position += 1
                    guard let high = classCharacter(), low.isSingle, high.isSingle,
                        low.scalar!.value <= high.scalar!.value
                    else { return nil }
                    out += low.text + "-" + high.text
                } else {
                    out += low.text
                }
                first = false
            }
            guard peek() == "]", !first || out.hasSuffix("\\-") else { return nil }
            position += 1
            return out + "]"
        }

        struct ClassCharacter {
            let text: String
            let scalar: Unicode.Scalar?
            var isSingle: Bool { scalar != nil }
        }

        mutating func classCharacter() -> ClassCharacter? {
            guard let next = peek() else { return nil }
            switch next {
            case "\\":
                let escapedScalar = peek(1)
                guard let text = escape(inClass: true) else { return nil }
                switch escapedScalar {
                case "p", "P": return ClassCharacter(text: text, scalar: nil)
                case "n": return ClassCharacter(text: text, scalar: "\n")
                case "r": return ClassCharacter(text: text, scalar: "\r")
                case "t": return ClassCharacter(text: text, scalar: "\t")
                default: return ClassCharacter(text: text, scalar: escapedScalar)
                }
            case "[":
                return nil
            default:
                position += 1
                return ClassCharacter(text: Self.literal(next), scalar: next)
            }
        }
    }
}
