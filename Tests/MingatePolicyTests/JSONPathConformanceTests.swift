import Foundation
import Testing

@testable import MingatePolicy

/// Runs the RFC 9535 compliance suite (`../shared/conformance/jsonpath-cts.json`, 703 cases).
@Suite struct JSONPathConformanceTests {
    struct Case: Sendable, CustomStringConvertible {
        let name: String
        let selector: String
        let document: JSONValue?
        let results: [[JSONValue]]
        let resultPaths: [[String]]
        let invalid: Bool
        var description: String { name }
    }

    static let suiteURL: URL = {
        var directory = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { directory.deleteLastPathComponent() }
        if let override = ProcessInfo.processInfo.environment["MINGATE_CTS"] {
            return URL(fileURLWithPath: override)
        }
        return directory.deletingLastPathComponent().appendingPathComponent("shared/conformance/jsonpath-cts.json")
    }()

    static func loadCases() throws -> [Case] {
        let data = try Data(contentsOf: suiteURL)
        guard case .object(let top) = try JSONParser(maxDepth: 256).parse(Array(data)),
            case .array(let tests)? = top["tests"]
        else { throw JSONPathError("bad suite file", at: 0) }
        return tests.compactMap { test -> Case? in
            guard case .object(let object) = test, case .string(let name)? = object["name"],
                case .string(let selector)? = object["selector"]
            else { return nil }
            var results: [[JSONValue]] = []
            var paths: [[String]] = []
            if case .array(let result)? = object["result"] { results = [result] }
            if case .array(let many)? = object["results"] {
                results = many.compactMap { if case .array(let one) = $0 { one } else { nil } }
            }
            func strings(_ value: JSONValue) -> [String] {
                guard case .array(let items) = value else { return [] }
                return items.compactMap { if case .string(let s) = $0 { s } else { nil } }
            }
            if let one = object["result_paths"] { paths = [strings(one)] }
            if case .array(let many)? = object["results_paths"] { paths = many.map(strings) }
            let invalid = object["invalid_selector"] == .bool(true)
            return Case(
                name: name, selector: selector, document: object["document"], results: results,
                resultPaths: paths, invalid: invalid)
        }
    }

    @Test func suiteHasAllCases() throws {
        #expect(try Self.loadCases().count == 703)
    }

    @Test(arguments: try loadCases())
    func compliance(_ testCase: Case) throws {
        if testCase.invalid {
            #expect(throws: JSONPathError.self, "\(testCase.selector) must be refused") {
                try JSONPathQuery(testCase.selector)
            }
            return
        }
        let query = try JSONPathQuery(testCase.selector)
        let nodes = query.select(in: testCase.document ?? .null)
        let values = nodes.map(\.value)
        let matched = testCase.results.firstIndex { expected in
            expected.count == values.count && zip(expected, values).allSatisfy { $0 == $1 }
        }
        #expect(matched != nil, "\(testCase.selector): got \(values.map { JSONWriter().string($0) })")
        if let matched, matched < testCase.resultPaths.count {
            #expect(nodes.map(\.path.description) == testCase.resultPaths[matched])
        }
    }
}

/// The one-walk evaluator selects the same set of nodes as each query alone, on every valid compliance case.
@Suite struct JSONPathSetTests {
    @Test func agreesWithSingleQueriesOnTheComplianceSuite() throws {
        let cases = try JSONPathConformanceTests.loadCases().filter { !$0.invalid }
        var checked = 0
        for testCase in cases {
            let query = try JSONPathQuery(testCase.selector)
            let document = testCase.document ?? .null
            let alone = Set(query.select(in: document).map(\.path.description))
            var together: Set<String> = []
            JSONPathSet([query]).select(in: document) { _, node in together.insert(node.path.description) }
            #expect(alone == together, "\(testCase.selector)")
            checked += 1
        }
        #expect(checked == 456, "every valid case of the suite")
    }

    @Test func severalQueriesInOneWalk() throws {
        let document = try JSONParser().parse(#"{"a":{"b":[{"c":1},{"c":2}]},"d":{"c":3}}"#)
        let queries = try ["$.a.b[*].c", "$..c", "$.d", "$.a.b[?@.c>1]"].map { try JSONPathQuery($0) }
        var found: [Int: [String]] = [:]
        JSONPathSet(queries).select(in: document) { index, node in found[index, default: []].append(node.path.description) }
        #expect(found[0] == ["$['a']['b'][0]['c']", "$['a']['b'][1]['c']"])
        #expect(Set(found[1] ?? []) == ["$['a']['b'][0]['c']", "$['a']['b'][1]['c']", "$['d']['c']"])
        #expect(found[2] == ["$['d']"])
        #expect(found[3] == ["$['a']['b'][1]"])
    }
}
