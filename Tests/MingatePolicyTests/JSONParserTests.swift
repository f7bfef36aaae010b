import Testing

@testable import MingatePolicy

@Suite struct JSONParserTests {
    static let refused: [(String, JSONParseError.Code)] = [
        (#"{"a":1,"a":2}"#, .duplicateKey),
        (#"{"name":1,"n\u0061me":2}"#, .duplicateKey),
        (#"{"a":{"b":1,"b":1}}"#, .duplicateKey),
        (#"{"a":1,}"#, .malformed),
        (#"[1,2"#, .malformed),
        (#"01"#, .malformed),
        (#"1."#, .malformed),
        (#"-"#, .malformed),
        (#"+1"#, .malformed),
        (#"NaN"#, .malformed),
        (#"'a'"#, .malformed),
        ("\"a\tb\"", .malformed),
        (#""\x""#, .malformed),
        (#""\ud800""#, .invalidUTF8),
        (#""\udc00\ud800""#, .invalidUTF8),
        (#"{} {}"#, .malformed),
        ("", .malformed),
    ]

    @Test func refusesWhatTwoReadersCouldReadDifferently() {
        for (text, code) in Self.refused {
            #expect(throws: JSONParseError(code, "", offset: 0), "\(text)") { try JSONParser().parse(text) }
        }
    }

    @Test func refusesInvalidUTF8Bytes() {
        let cases: [[UInt8]] = [
            [0x22, 0xC3, 0x28, 0x22],  // bad continuation
            [0x22, 0xC0, 0xAF, 0x22],  // overlong '/'
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // encoded surrogate
            [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22],  // above U+10FFFF
            [0x22, 0xE2, 0x82, 0x22],  // truncated
        ]
        for bytes in cases {
            #expect(throws: JSONParseError(.invalidUTF8, "", offset: 0)) { try JSONParser().parse(bytes) }
        }
    }

    @Test func depthLimit() throws {
        let ok = String(repeating: "[", count: 8) + String(repeating: "]", count: 8)
        _ = try JSONParser(maxDepth: 8).parse(ok)
        let deep = String(repeating: "[", count: 9) + String(repeating: "]", count: 9)
        #expect(throws: JSONParseError(.tooDeep, "", offset: 0)) { try JSONParser(maxDepth: 8).parse(deep) }
    }

    @Test func roundTripsKeepingOrderAndNumberText() throws {
        let text = #"{"z":1299.50,"a":[1e3,-0,0.1],"m":{"é":"\u00e9\n\"q\""},"t":true,"n":null}"#
        let value = try JSONParser().parse(text)
        #expect(JSONWriter().string(value) == #"{"z":1299.50,"a":[1e3,-0,0.1],"m":{"é":"é\n\"q\""},"t":true,"n":null}"#)
        #expect(JSONWriter(sortKeys: true).string(value) == #"{"a":[1e3,-0,0.1],"m":{"é":"é\n\"q\""},"n":null,"t":true,"z":1299.50}"#)
        // Surrogate pairs decode to one scalar.
        #expect(try JSONParser().parse(#""\ud83d\ude00""#) == .string("😀"))
    }
}
