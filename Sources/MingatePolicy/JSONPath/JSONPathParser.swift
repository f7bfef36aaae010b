/// Parses RFC 9535 queries, including the type rules for function extensions (§2.4.3), so a query that is
/// syntactically fine but ill-typed (`$[?length(@.*)]`) is refused at load time, not at run time.
struct JSONPathParser {
    private let scalars: [Unicode.Scalar]
    private var position = 0

    /// Largest magnitude of an index or slice bound: I-JSON's exact integer range.
    static let maxExactInteger = 9_007_199_254_740_991

    init(_ text: String) {
        scalars = Array(text.unicodeScalars)
    }

    // MARK: Query and segments

    mutating func parseQuery() throws(JSONPathError) -> [Segment] {
        guard peek() == "$" else { throw error("a query starts with '$'") }
        position += 1
        let segments = try parseSegments()
        guard atEnd else { throw error("unexpected character") }
        return segments
    }

    private mutating func parseSegments() throws(JSONPathError) -> [Segment] {
        var segments: [Segment] = []
        while true {
            let save = position
            skipBlank()
            guard let next = peek(), next == "[" || next == "." else {
                position = save
                return segments
            }
            segments.append(try parseSegment())
        }
    }

    private mutating func parseSegment() throws(JSONPathError) -> Segment {
        guard peek() != nil else { throw error("unexpected end of query") }
        if peek() == "[" { return .child(try parseBracketed()) }
        // "." or ".."
        position += 1
        if peek() == "." {
            position += 1
            switch peek() {
            case "[": return .descendant(try parseBracketed())
            case "*":
                position += 1
                return .descendant([.wildcard])
            default: return .descendant([.name(try parseMemberNameShorthand())])
            }
        }
        if peek() == "*" {
            position += 1
            return .child([.wildcard])
        }
        return .child([.name(try parseMemberNameShorthand())])
    }

    private mutating func parseMemberNameShorthand() throws(JSONPathError) -> String {
        guard let first = peek(), Self.isNameFirst(first) else { throw error("expected a member name") }
        var name = String.UnicodeScalarView()
        while let scalar = peek(), Self.isNameFirst(scalar) || ("0"..."9").contains(scalar) {
            name.append(scalar)
            position += 1
        }
        return String(name)
    }

    static func isNameFirst(_ scalar: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(scalar) || ("A"..."Z").contains(scalar) || scalar == "_"
            || (0x80...0xD7FF).contains(scalar.value) || (0xE000...0x10FFFF).contains(scalar.value)
    }

    private mutating func parseBracketed() throws(JSONPathError) -> [Selector] {
        position += 1  // "["
        var selectors: [Selector] = []
        while true {
            skipBlank()
            selectors.append(try parseSelector())
            skipBlank()
            switch peek() {
            case ",": position += 1
            case "]":
                position += 1
                return selectors
            default: throw error("expected ',' or ']'")
            }
        }
    }

    private mutating func parseSelector() throws(JSONPathError) -> Selector {
        guard let next = peek() else { throw error("expected a selector") }
        switch next {
        case "'", "\"": return .name(try parseStringLiteral())
        case "*":
            position += 1
            return .wildcard
        case "?":
            position += 1
            skipBlank()
            return .filter(try parseLogicalOr())
        case ":": return try parseSlice(start: nil)
        case "-", "0"..."9":
            let start = try parseInteger()
            let save = position
            skipBlank()
            if peek() == ":" { return try parseSlice(start: start) }
            position = save
            return .index(start)
        default: throw error("expected a selector")
        }
    }

    private mutating func parseSlice(start: Int?) throws(JSONPathError) -> Selector {
        position += 1  // first ":"
        skipBlank()
        var end: Int?
        if let next = peek(), next == "-" || ("0"..."9").contains(next) {
            end = try parseInteger()
            skipBlank()
        }
        var step: Int?
        if peek() == ":" {
            position += 1
            skipBlank()
            if let next = peek(), next == "-" || ("0"..."9").contains(next) {
                step = try parseInteger()
            }
        }
        return .slice(start: start, end: end, step: step)
    }

    /// An index or slice bound: no leading zeros, no `-0`, within the exact integer range.
    private mutating func parseInteger() throws(JSONPathError) -> Int {
        let start = position
        var negative = false
        if peek() == "-" {
            negative = true
            position += 1
        }
        guard let first = peek(), ("0"..."9").contains(first) else { throw error("expected digits") }
        if first == "0" {
            position += 1
            if let next = peek(), ("0"..."9").contains(next) { throw error("leading zero in integer", at: start) }
            if negative { throw error("'-0' is not an integer", at: start) }
            return 0
        }
        var magnitude = 0
        while let digit = peek(), ("0"..."9").contains(digit) {
            magnitude = magnitude * 10 + Int(digit.value - 48)
            guard magnitude <= Self.maxExactInteger else { throw error("integer out of range", at: start) }
            position += 1
        }
        return negative ? -magnitude : magnitude
    }

    // MARK: Strings

    private mutating func parseStringLiteral() throws(JSONPathError) -> String {
        let quote = scalars[position]
        position += 1
        var out = String.UnicodeScalarView()
        while true {
            guard let scalar = peek() else { throw error("unterminated string") }
            position += 1
            if scalar == quote { return String(out) }
            if scalar.value < 0x20 { throw error("control character in string", at: position - 1) }
            guard scalar == "\\" else {
                out.append(scalar)
                continue
            }
            guard let escaped = peek() else { throw error("unterminated escape") }
            position += 1
            switch escaped {
            case "b": out.append("\u{08}")
            case "f": out.append("\u{0C}")
            case "n": out.append("\n")
            case "r": out.append("\r")
            case "t": out.append("\t")
            case "/": out.append("/")
            case "\\": out.append("\\")
            case "'" where quote == "'": out.append("'")
            case "\"" where quote == "\"": out.append("\"")
            case "u": out.append(try parseUnicodeEscape())
            default: throw error("invalid escape", at: position - 1)
            }
        }
    }

    private mutating func parseUnicodeEscape() throws(JSONPathError) -> Unicode.Scalar {
        let start = position - 2
        let high = try parseHex4()
        if (0xDC00...0xDFFF).contains(high) { throw error("lone low surrogate", at: start) }
        if (0xD800...0xDBFF).contains(high) {
            guard peek() == "\\", peek(offset: 1) == "u" else { throw error("lone high surrogate", at: start) }
            position += 2
            let low = try parseHex4()
            guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid surrogate pair", at: start) }
            return Unicode.Scalar(0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00))!
        }
        return Unicode.Scalar(high)!
    }

    private mutating func parseHex4() throws(JSONPathError) -> UInt32 {
        var value: UInt32 = 0
        for _ in 0..<4 {
            guard let scalar = peek(), let digit = hexValue(scalar)
            else { throw error("expected four hex digits") }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    private func hexValue(_ scalar: Unicode.Scalar) -> UInt32? {
        switch scalar {
        case "0"..."9": scalar.value - 48
        case "a"..."f": scalar.value - 87
        case "A"..."F": scalar.value - 55
        default: nil
        }
    }

    // MARK: Logical expressions

    private mutating func parseLogicalOr() throws(JSONPathError) -> LogicalExpression {
        var operands = [try parseLogicalAnd()]
        while true {
            let save = position
            skipBlank()
            guard peek() == "|", peek(offset: 1) == "|" else {
                position = save
                break
            }
            position += 2
            skipBlank()
            operands.append(try parseLogicalAnd())
        }
        return operands.count == 1 ? operands[0] : .or(operands)
    }

    private mutating func parseLogicalAnd() throws(JSONPathError) -> LogicalExpression {
        var operands = [try parseBasic()]
        while true {
            let save = position
            skipBlank()
            guard peek() == "&", peek(offset: 1) == "&" else {
                position = save
                break
            }
            position += 2
            skipBlank()
            operands.append(try parseBasic())
        }
        return operands.count == 1 ? operands[0] : .and(operands)
    }

    private mutating func parseBasic() throws(JSONPathError) -> LogicalExpression {
        if peek() == "!" {
            position += 1
            skipBlank()
            if peek() == "(" { return .not(try parseParenthesised()) }
            let start = position
            switch try parseOperand() {
            case .query(let query): return .not(.exists(query))
            case .function(let call) where call.name.resultType == .logical: return .not(.function(call))
            default: throw error("'!' applies to a query, a logical function or a parenthesised expression", at: start)
            }
        }
        if peek() == "(" { return try parseParenthesised() }
        let start = position
        let left = try parseOperand()
        let save = position
        skipBlank()
        if let op = parseComparisonOperator() {
            skipBlank()
            let rightStart = position
            let right = try parseOperand()
            return .comparison(
                try comparable(left, at: start), op, try comparable(right, at: rightStart))
        }
        position = save
        switch left {
        case .query(let query): return .exists(query)
        case .function(let call):
            guard call.name.resultType == .logical else {
                throw error("function '\(call.name.rawValue)' returns a value; compare it to something", at: start)
            }
            return .function(call)
        case .literal: throw error("a literal must be compared to something", at: start)
        }
    }

    private mutating func parseParenthesised() throws(JSONPathError) -> LogicalExpression {
        position += 1
        skipBlank()
        let inner = try parseLogicalOr()
        skipBlank()
        guard peek() == ")" else { throw error("expected ')'") }
        position += 1
        return inner
    }

    private mutating func parseComparisonOperator() -> ComparisonOperator? {
        let first = peek()
        let second = peek(offset: 1)
        let op: ComparisonOperator?
        switch (first, second) {
        case ("=", "="): op = .equal
        case ("!", "="): op = .notEqual
        case ("<", "="): op = .lessOrEqual
        case (">", "="): op = .greaterOrEqual
        case ("<", _): op = .less
        case (">", _): op = .greater
        default: op = nil
        }
        if let op { position += op.rawValue.unicodeScalars.count }
        return op
    }

    private enum Operand {
        case literal(JSONValue)
        case query(FilterQuery)
        case function(FunctionCall)
    }

    private func comparable(_ operand: Operand, at start: Int) throws(JSONPathError) -> ComparisonOperand {
        switch operand {
        case .literal(let value): return .literal(value)
        case .query(let query):
            guard query.segments.allSatisfy(\.isSingular) else {
                throw error("only a singular query can be compared", at: start)
            }
            return .query(query)
        case .function(let call):
            guard call.name.resultType == .value else {
                throw error("function '\(call.name.rawValue)' does not return a value", at: start)
            }
            return .function(call)
        }
    }

    private mutating func parseOperand() throws(JSONPathError) -> Operand {
        guard let next = peek() else { throw error("unexpected end of query") }
        switch next {
        case "@", "$":
            position += 1
            return .query(FilterQuery(relative: next == "@", segments: try parseSegments()))
        case "'", "\"": return .literal(.string(try parseStringLiteral()))
        case "-", "0"..."9": return .literal(try parseNumberLiteral())
        case "a"..."z":
            if let literal = parseKeywordLiteral() { return .literal(literal) }
            return .function(try parseFunctionCall())
        default: throw error("expected a query, a literal or a function")
        }
    }

    private mutating func parseKeywordLiteral() -> JSONValue? {
        for (word, value) in [("true", JSONValue.bool(true)), ("false", .bool(false)), ("null", .null)] {
            let wordScalars = Array(word.unicodeScalars)
            guard position + wordScalars.count <= scalars.count,
                Array(scalars[position..<position + wordScalars.count]) == wordScalars
            else { continue }
            // "nullable(...)" would be a function name, not a literal.
            if let after = peek(offset: wordScalars.count),
                ("a"..."z").contains(after) || after == "_" || ("0"..."9").contains(after) || after == "("
            {
                continue
            }
            position += wordScalars.count
            return value
        }
        return nil
    }

    private mutating func parseNumberLiteral() throws(JSONPathError) -> JSONValue {
        let start = position
        if peek() == "-" { position += 1 }
        guard let first = peek(), ("0"..."9").contains(first) else { throw error("invalid number", at: start) }
        if first == "0" {
            position += 1
            if let next = peek(), ("0"..."9").contains(next) { throw error("leading zero in number", at: start) }
        } else {
            while let digit = peek(), ("0"..."9").contains(digit) { position += 1 }
        }
        if peek() == "." {
            position += 1
            guard let digit = peek(), ("0"..."9").contains(digit) else { throw error("invalid fraction") }
            while let digit = peek(), ("0"..."9").contains(digit) { position += 1 }
        }
        if peek() == "e" || peek() == "E" {
            position += 1
            if peek() == "+" || peek() == "-" { position += 1 }
            guard let digit = peek(), ("0"..."9").contains(digit) else { throw error("invalid exponent") }
            while let digit = peek(), ("0"..."9").contains(digit) { position += 1 }
        }
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[start..<position])
        let string = String(text)
        guard let value = Double(string) else { throw error("invalid number", at: start) }
        return .number(JSONNumber(text: string, value: value))
    }

    private mutating func parseFunctionCall() throws(JSONPathError) -> FunctionCall {
        let start = position
        var nameScalars = String.UnicodeScalarView()
        while let scalar = peek(), ("a"..."z").contains(scalar) || scalar == "_" || ("0"..."9").contains(scalar) {
            nameScalars.append(scalar)
            position += 1
        }
        let nameText = String(nameScalars)
        guard peek() == "(" else { throw error("expected '(' after function name '\(nameText)'") }
        guard let name = FunctionCall.Name(rawValue: nameText) else {
            throw error("unknown function '\(nameText)'", at: start)
        }
        position += 1
        var arguments: [FunctionArgument] = []
        skipBlank()
        if peek() != ")" {
            while true {
                skipBlank()
                let argumentStart = position
                let parameterIndex = arguments.count
                let parameterType: FunctionType? =
                    parameterIndex < name.parameterTypes.count ? name.parameterTypes[parameterIndex] : nil
                arguments.append(try parseArgument(for: parameterType, function: nameText, at: argumentStart))
                skipBlank()
                if peek() == "," {
                    position += 1
                    continue
                }
                break
            }
        }
        guard peek() == ")" else { throw error("expected ')' to close '\(nameText)('") }
        position += 1
        guard arguments.count == name.parameterTypes.count else {
            throw error(
                "function '\(nameText)' takes \(name.parameterTypes.count) argument(s), got \(arguments.count)",
                at: start)
        }
        var compiled: IRegexp?
        if name == .match || name == .search, case .literal(.string(let pattern)) = arguments[1] {
            compiled = IRegexp(pattern, anchored: name == .match)
        }
        return FunctionCall(name: name, arguments: arguments, compiledPattern: compiled)
    }

    /// Parses one argument and checks it against the declared parameter type (§2.4.3).
    private mutating func parseArgument(
        for type: FunctionType?, function: String, at start: Int
    ) throws(JSONPathError) -> FunctionArgument {
        guard let type else { throw error("too many arguments to '\(function)'", at: start) }
        switch type {
        case .value:
            let operand = try parseOperand()
            switch try comparable(operand, at: start) {
            case .literal(let value): return .literal(value)
            case .query(let query): return .query(query)
            case .function(let call): return .function(call)
            }
        case .nodes:
            let operand = try parseOperand()
            guard case .query(let query) = operand else {
                throw error("'\(function)' takes a query", at: start)
            }
            return .query(query)
        case .logical:
            return .logical(try parseLogicalOr())
        }
    }

    // MARK: Scanning

    private var atEnd: Bool { position >= scalars.count }

    private func peek(offset: Int = 0) -> Unicode.Scalar? {
        position + offset < scalars.count ? scalars[position + offset] : nil
    }

    private mutating func skipBlank() {
        while let scalar = peek(), scalar == " " || scalar == "\t" || scalar == "\n" || scalar == "\r" {
            position += 1
        }
    }

    private func error(_ message: String, at offset: Int? = nil) -> JSONPathError {
        JSONPathError(message, at: offset ?? position)
    }
}
