import Testing

@testable import MingatePolicy

/// Member names and string comparisons are by Unicode scalars, never Swift's canonical equivalence: two spellings
/// that look alike are two keys to any partner's parser, so they are two keys here (RFC 9535 does not normalise).
@Suite struct UnicodeNameTests {
    static let nfc = "caf\u{E9}"  // é as one scalar
    static let nfd = "cafe\u{301}"  // e + combining acute

    @Test func anNFCAndAnNFDKeyAreTwoMembersNotADuplicate() throws {
        #expect(Self.nfc == Self.nfd, "Swift's String == says they are equal: the trap this guards against")
        let document = try JSONParser().parse(Array("{\"\(Self.nfc)\": 1, \"\(Self.nfd)\": 2}".utf8))
        guard case .object(let object) = document else {
            Issue.record("not an object")
            return
        }
        #expect(object.count == 2)
        #expect(object[Self.nfc] == .number(JSONNumber(1)))
        #expect(object[Self.nfd] == .number(JSONNumber(2)))
        // The same spelling twice is still a duplicate.
        #expect(throws: JSONParseError.self) { try JSONParser().parse(Array("{\"\(Self.nfd)\": 1, \"\(Self.nfd)\": 2}".utf8)) }
    }

    @Test func aNameSelectorSelectsOnlyItsOwnSpelling() throws {
        let document = try JSONParser().parse(Array("{\"\(Self.nfc)\": 1, \"\(Self.nfd)\": 2, \"\u{212B}\": 3}".utf8))
        let nfc = try JSONPathQuery("$['\(Self.nfc)']").select(in: document)
        #expect(nfc.map(\.value) == [.number(JSONNumber(1))])
        let nfd = try JSONPathQuery("$['\(Self.nfd)']").select(in: document)
        #expect(nfd.map(\.value) == [.number(JSONNumber(2))])
        // U+00C5 (Å) does not select the key U+212B (ANGSTROM SIGN), canonically equivalent to it.
        #expect(try JSONPathQuery("$['\u{C5}']").select(in: document).isEmpty)
        #expect(try JSONPathQuery("$['\u{212B}']").select(in: document).map(\.value) == [.number(JSONNumber(3))])
    }

    @Test func filterEqualityAgreesWithOrdering() throws {
        let document = try JSONParser().parse(Array("[\"\u{E1}\", \"a\u{301}\"]".utf8))
        // == matches only the same scalars; < already orders by scalars, so the two never disagree.
        let equal = try JSONPathQuery("$[?@=='a\\u0301']").select(in: document)
        #expect(equal.count == 1)
        #expect(equal.first?.path.description == "$[1]")
    }

    @Test func theMinimiserKeepsOnlyTheSpellingItsRuleNames() throws {
        let rules = [JSONRule(query: try JSONPathQuery("$['\(Self.nfc)']"), category: "transaction.items", transform: .keep)]
        let minimiser = JSONMinimiser(rules: rules, deny: DenyList(words: []))
        let document = try JSONParser().parse(Array("{\"\(Self.nfc)\": 1, \"\(Self.nfd)\": 2}".utf8))
        let result = try minimiser.minimise(document, with: Transformer(pseudonymKey: .init(size: .bits256)))
        guard case .object(let kept) = result.output else {
            Issue.record("not an object")
            return
        }
        #expect(kept.count == 1)
        #expect(kept[Self.nfc] == .number(JSONNumber(1)))
        #expect(result.withheld.count == 1, "the NFD twin is withheld, not kept under the NFC rule")
    }
}
