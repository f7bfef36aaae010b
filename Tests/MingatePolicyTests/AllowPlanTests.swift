import Crypto
import Foundation
import Testing

@testable import MingatePolicy

/// The compiled walk (`AllowPlan`) against the general one (`JSONPathSet` per document): the same output, the same
/// disclosed and withheld paths, the same refusal, on hand-picked and on generated documents and allowlists.
@Suite struct AllowPlanTests {
    static let transformer = Transformer(pseudonymKey: SymmetricKey(data: Data("k".utf8)))
    static let deny = DenyList(words: ["cvv", "password", "pin", "otp"])

    /// What one walk gives, or the path and transform it refused at.
    static func run(_ document: JSONValue, _ rules: [JSONRule], compiling: Bool) -> String {
        let minimiser = JSONMinimiser(rules: rules, deny: deny, compiling: compiling)
        do {
            let result = try minimiser.minimise(document, with: transformer)
            let disclosed = result.disclosed.map { "\($0.path) \($0.category) \($0.transform)" }
            return ([JSONWriter().string(result.output), "disclosed:"] + disclosed + ["withheld:"] + result.withheld).joined(separator: "\n")
        } catch {
            return "refused at \(error.path) (\(error.transform), \(error.typeName))"
        }
    }

    static func rules(_ paths: [(String, Transform)]) throws -> [JSONRule] {
        try paths.enumerated().map { JSONRule(query: try JSONPathQuery($1.0), category: "c\($0)", transform: $1.1) }
    }

    @Test func plainPathsCompileAndOthersDoNot() throws {
        let compiles: [[String]] = [
            ["$.a.b", "$.i[*].s", "$['a']['x y']"], ["$"], ["$.a", "$.a.b"], ["$[2]", "$[0].x"],
        ]
        for paths in compiles {
            #expect(JSONMinimiser(rules: try Self.rules(paths.map { ($0, .keep) }), deny: Self.deny).isCompiled, "\(paths)")
        }
        let general: [[String]] = [
            ["$.i[?@.t=='b'].v"], ["$..name"], ["$.i[1:3]"], ["$.i[-1]"], ["$['a','b']"], ["$.i[*].s", "$.i[0].t"], ["$.a.*", "$.a.b"],
        ]
        for paths in general {
            #expect(!JSONMinimiser(rules: try Self.rules(paths.map { ($0, .keep) }), deny: Self.deny).isCompiled, "\(paths)")
        }
    }

    /// (document, allowlist): cases at the edges of what a plan names and what the document has.
    static let cases: [(String, [(String, Transform)])] = [
        (#"{"a":{"b":1,"c":2},"d":3}"#, [("$.a.b", .keep)]),
        (#"{"a":5,"d":3}"#, [("$.a.b", .keep)]),  // a plan's container is a scalar here
        (#"{"a":{},"d":3}"#, [("$.a.b", .keep)]),  // an empty container on the way
        (#"{"a":{"x":{"y":1}},"d":3}"#, [("$.a.b.c", .keep)]),  // the path stops short: withheld whole
        (#"{"a":{"b":{"cvv":1}},"d":3}"#, [("$.a.b", .keep), ("$.d", .keep)]),  // emptied by the deny list
        (#"{"a":{"b":{"cvv":1}}}"#, [("$.a.b.cvv", .keep)]),
        (#"{"i":[{"s":1,"n":"x"},{"n":"y"},3]}"#, [("$.i[*].s", .keep)]),
        (#"{"i":[{"s":1},{"s":2}]}"#, [("$.i[1].s", .keep), ("$.i[5]", .keep)]),
        (#"{"p":{"card_number":"6222021234567890123","bank":"ICBC","pin":"1"}}"#, [("$.p", .keep), ("$.p.card_number", .mask(keepLast: 4))]),
        (#"{"p":{"card":{"n":1}}}"#, [("$.p.card", .mask(keepLast: 4))]),  // a transform of a container is refused
        (#"{"p":{"card":{"n":1}}}"#, [("$.p", .keep), ("$.p.card", .mask(keepLast: 4))]),
        (#"{"x":1,"y":2}"#, [("$.y", .keep), ("$.y", .mask(keepLast: 1))]),  // the first rule decides
        (#"{"q'uote":1,"back\\slash":2,"ctl\n":3,"ok":4}"#, [("$['q\\'uote']", .keep)]),  // names escaped in paths
        ("{\"caf\u{E9}\":1,\"cafe\u{301}\":2}", [("$['caf\u{E9}']", .keep)]),  // NFC and NFD are two names
        (#"[{"a":1},{"a":2,"b":3}]"#, [("$[*].a", .keep)]),
        (#"[1,2]"#, [("$.x", .keep)]),
        (#""text""#, [("$", .keep)]),
        (#"{"a":[[1,2],[3,{"pin":4}]]}"#, [("$.a[*][*]", .keep)]),
        (#"{"a":{"b":[{"c":1,"d":2}]}}"#, [("$.a", .keep), ("$.a.b[0].d", .mask(keepLast: 0))]),
    ]

    @Test func handPickedCasesWalkAlike() throws {
        for (document, paths) in Self.cases {
            let value = try JSONParser().parse(document)
            let rules = try Self.rules(paths)
            #expect(JSONMinimiser(rules: rules, deny: Self.deny).isCompiled, "\(paths)")
            #expect(Self.run(value, rules, compiling: true) == Self.run(value, rules, compiling: false), "\(paths) on \(document)")
        }
    }

    @Test func manyNamesAndIndexesAtOneNodeWalkAlike() throws {
        // Past `AllowPlan.scanLimit` a node looks its names and indexes up in a table instead of scanning them.
        let names = (0..<12).map { "f\($0)" } + ["caf\u{E9}"]
        let members = (names + ["cafe\u{301}", "g1", "pin"]).map { "\"\($0)\":[0,1,2,3,4,5,6,7,8,9,10,11]" }
        let document = try JSONParser().parse("{" + members.joined(separator: ",") + "}")
        let rules = try Self.rules(
            names.map { ("$['\($0)'][1]", .keep) } + (0..<10).map { ("$.f0[\($0 * 2)]", Transform.mask(keepLast: 1)) })
        let minimiser = JSONMinimiser(rules: rules, deny: Self.deny)
        #expect(minimiser.isCompiled)
        let compiled = Self.run(document, rules, compiling: true)
        #expect(compiled == Self.run(document, rules, compiling: false))
        #expect(compiled.contains("$['f0'][10] c18 mask(1)") && compiled.contains("$['cafe\u{301}']"), "\(compiled)")
    }

    @Test func theBenchmarkPayloadWalksAlike() throws {
        let payload = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../../shared/bench/payload.json")
        let value = try JSONParser().parse(Array(try Data(contentsOf: payload)))
        let rules = try Self.rules([
            ("$.order.id", .keep), ("$.order.amount", .keep), ("$.order.currency", .keep), ("$.consignee.name", .keep),
            ("$.consignee.phone", .keep), ("$.consignee.address", .keep), ("$.items[*].sku", .keep), ("$.items[*].qty", .keep),
            ("$.payment.card_number", .mask(keepLast: 4)),
        ])
        let compiled = Self.run(value, rules, compiling: true)
        #expect(compiled == Self.run(value, rules, compiling: false))
        #expect(compiled.contains("$['items'][2]['qty']") && compiled.contains("$['browsing_history']"), "\(compiled)")
    }

    /// A small generator, seeded, so a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let names = ["a", "b", "c", "pin", "card", "x y", "caf\u{E9}", "cafe\u{301}", "q'"]

    static func document(_ random: inout Generator, depth: Int) -> String {
        let kind = depth >= 4 ? random.next(3) : random.next(6)
        switch kind {
        case 0: return "\(random.next(100))"
        case 1: return "\"s\(random.next(1000))\""
        case 2: return random.next(2) == 0 ? "null" : "true"
        case 3:
            return "[" + (0..<random.next(4)).map { _ in document(&random, depth: depth + 1) }.joined(separator: ",") + "]"
        default:
            var used = Set<String>()
            var members: [String] = []
            for _ in 0..<random.next(5) {
                let name = names[random.next(names.count)]
                guard used.insert(name).inserted else { continue }
                let escaped = name.replacingOccurrences(of: "'", with: "'")
                members.append("\"\(escaped)\":\(document(&random, depth: depth + 1))")
            }
            return "{" + members.joined(separator: ",") + "}"
        }
    }

    static func path(_ random: inout Generator) -> String {
        var text = "$"
        for _ in 0..<(1 + random.next(3)) {
            switch random.next(4) {
            case 0: text += "[*]"
            case 1: text += "[\(random.next(3))]"
            default:
                let name = names[random.next(names.count)].replacingOccurrences(of: "'", with: "\\'")
                text += "['\(name)']"
            }
        }
        return text
    }

    @Test func generatedDocumentsWalkAlike() throws {
        var random = Generator(state: 0x6d69_6e67_6174_65)
        var compared = 0
        for _ in 0..<4000 {
            let document = Self.document(&random, depth: 0)
            let paths = (0..<(1 + random.next(4))).map { _ in
                (Self.path(&random), random.next(4) == 0 ? Transform.mask(keepLast: 2) : .keep)
            }
            let rules = try Self.rules(paths)
            guard JSONMinimiser(rules: rules, deny: Self.deny).isCompiled else { continue }
            let value = try JSONParser().parse(document)
            let compiled = Self.run(value, rules, compiling: true)
            let general = Self.run(value, rules, compiling: false)
            #expect(compiled == general, "\(paths.map(\.0)) on \(document)")
            if compiled != general { break }
            compared += 1
        }
        // Most generated allowlists compile (a wildcard beside a name at one node does not).
        #expect(compared > 2000)
    }
}
