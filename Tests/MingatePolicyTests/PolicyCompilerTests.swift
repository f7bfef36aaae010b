import Foundation
import Testing

@testable import MingatePolicy

@Suite struct PolicyCompilerTests {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url
    }()

    static func repoSource() throws -> PolicySource {
        func files(_ folder: String) throws -> [PolicySource.File] {
            try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent(folder).path).sorted()
                .filter { $0.hasSuffix(".yaml") }
                .map { PolicySource.File(path: "\(folder)/\($0)", text: try String(contentsOf: root.appendingPathComponent("\(folder)/\($0)"), encoding: .utf8)) }
        }
        return PolicySource(partnerFiles: try files("partners"), policyFiles: try files("policies"))
    }

    @Test func samplePoliciesLoad() throws {
        let policy = try PolicyCompiler().compile(try Self.repoSource())
        #expect(Set(policy.partners.keys) == ["midtrans", "biteship", "verihubs", "bankverify"])
        #expect(policy.partners["midtrans"]?.purposes["payment"]?.body.json?.count == 4)
        #expect(policy.homeCountry == "ID")
        #expect(policy.version.count == 64)
        #expect(policy.warnings.filter { $0.severity == .error }.isEmpty)
    }

    /// Replaces one partner file with `text` and returns the problems.
    static func problems(partner text: String, named name: String = "midtrans") throws -> [PolicyProblem] {
        var source = try repoSource()
        source.partnerFiles.removeAll { $0.path == "partners/\(name).yaml" }
        source.partnerFiles.append(.init(path: "partners/\(name).yaml", text: text))
        do {
            _ = try PolicyCompiler().compile(source)
            return []
        } catch {
            return error.problems.filter { $0.severity == .error }
        }
    }

    static let base = """
        id: midtrans
        legal_entity: PT Midtrans
        country: ID
        base_url: https://api.sandbox.midtrans.com
        purposes:
          payment:
            legal_basis: contract
            routes: [POST /v2/charge]
            body:
              json:
                - path: $.transaction_details.order_id
                  category: transaction.order_id
        """

    /// The gateway records its own erasure requests under caller and purpose `erasure`; a policy cannot use the name.
    @Test func erasureIsAReservedName() throws {
        let purpose = try Self.problems(partner: Self.base.replacingOccurrences(of: "  payment:", with: "  erasure:"))
        #expect(purpose.contains { $0.place == "purposes.erasure" && $0.message.contains("reserved") }, "\(purpose)")
        var source = try Self.repoSource()
        let index = try #require(source.policyFiles.firstIndex { $0.path.hasSuffix("callers.yaml") })
        source.policyFiles[index] = .init(
            path: source.policyFiles[index].path,
            text: source.policyFiles[index].text.replacingOccurrences(of: "  checkout-service:", with: "  erasure:"))
        #expect(throws: PolicyLoadError.self) { try PolicyCompiler().compile(source) }
    }

    @Test func baseVariantLoads() throws {
        #expect(try Self.problems(partner: Self.base).isEmpty)
    }

    /// (what is wrong, replacement, expected line, words in the message)
    static let broken: [(String, @Sendable (String) -> String, Int, String)] = [
        ("missing category", { $0.replacingOccurrences(of: "          category: transaction.order_id\n", with: "").replacingOccurrences(of: "          category: transaction.order_id", with: "") }, 11, "category"),
        ("unknown category", { $0.replacingOccurrences(of: "transaction.order_id", with: "transaction.orderid") }, 12, "unknown category"),
        ("unknown key", { $0.replacingOccurrences(of: "    body:", with: "    bdy:") }, 9, "unknown key"),
        ("invalid JSONPath", { $0.replacingOccurrences(of: "$.transaction_details.order_id", with: "$.transaction_details[") }, 11, "invalid JSONPath"),
        ("deny-listed field", { $0.replacingOccurrences(of: "$.transaction_details.order_id", with: "$.card.cvv") }, 11, "deny list"),
        ("sensitive without justification", { $0.replacingOccurrences(of: "transaction.order_id", with: "identity.nik") }, 11, "sensitive"),
        ("bad legal basis", { $0.replacingOccurrences(of: "legal_basis: contract", with: "legal_basis: because") }, 7, "legal_basis"),
        ("cross-border without transfer basis", { $0.replacingOccurrences(of: "country: ID", with: "country: SG") }, 6, "transfer_basis"),
        ("unknown transform", { $0 + "\n          transform: encrypt" }, 13, "unknown transform"),
        ("bad route", { $0.replacingOccurrences(of: "POST /v2/charge", with: "POST v2/charge") }, 8, "route"),
        ("literal secret", { $0 + "\ncredentials: { header: Authorization, secret: SB-Mid-server-123 }" }, 13, "secret reference"),
        ("file name mismatch", { $0.replacingOccurrences(of: "id: midtrans", with: "id: midtrans2") }, 1, "file name"),
        ("not YAML", { $0 + "\n  - : [" }, 13, "YAML"),
    ]

    @Test func everyProblemHasFileAndLine() throws {
        for (what, edit, line, words) in Self.broken {
            let problems = try Self.problems(partner: edit(Self.base))
            let match = problems.first { $0.message.contains(words) || $0.place.contains(words) }
            #expect(match != nil, "\(what): \(problems)")
            #expect(match?.file == "partners/midtrans.yaml", "\(what)")
            #expect(match?.line == line, "\(what): \(match.map(String.init(describing:)) ?? "-")")
        }
    }

    @Test func descendantSegmentWarns() throws {
        var source = try Self.repoSource()
        source.partnerFiles.removeAll { $0.path == "partners/midtrans.yaml" }
        source.partnerFiles.append(.init(path: "partners/midtrans.yaml", text: Self.base.replacingOccurrences(of: "$.transaction_details.order_id", with: "$..order_id")))
        let policy = try PolicyCompiler().compile(source)
        #expect(policy.warnings.contains { $0.severity == .warning && $0.message.contains("'..'") && $0.line == 11 })
    }

    @Test func callersReferToRealPurposes() throws {
        var source = try Self.repoSource()
        let callers = source.policyFiles.first { $0.path == "policies/callers.yaml" }!
        source.policyFiles.removeAll { $0.path == "policies/callers.yaml" }
        source.policyFiles.append(.init(path: callers.path, text: callers.text.replacingOccurrences(of: "midtrans: [payment]", with: "midtrans: [refund]")))
        #expect(throws: PolicyLoadError.self) { try PolicyCompiler().compile(source) }
    }
}
