import Foundation
import Testing

@testable import MingatePolicy

@Suite struct OnboardingTests {
    static func fixtures() throws -> [PolicyFixture] {
        let partners = PolicyCompilerTests.root.appendingPathComponent("partners")
        var out: [PolicyFixture] = []
        for partner in try FileManager.default.contentsOfDirectory(atPath: partners.path).sorted() {
            let folder = partners.appendingPathComponent(partner).appendingPathComponent("tests")
            guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder.path) else { continue }
            for file in files.sorted() where file.hasSuffix(".yaml") {
                out.append(try PolicyFixture(file: "partners/\(partner)/tests/\(file)", text: try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)))
            }
        }
        return out
    }

    @Test func everySamplePartnerHasFixturesAndTheyPass() throws {
        let policy = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        let fixtures = try Self.fixtures()
        for partner in policy.partners.keys {
            #expect(fixtures.contains { $0.file.hasPrefix("partners/\(partner)/") }, "\(partner) has fixtures")
        }
        let runner = FixtureRunner(policy: policy)
        for fixture in fixtures {
            let outcome = runner.run(fixture)
            #expect(outcome.passed, "\(fixture.file): \(outcome.differences)")
        }
    }

    @Test func aWrongExpectationFails() throws {
        let policy = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        let fixture = try PolicyFixture(file: "wrong.yaml", text: """
            name: expects the customer's e-mail to reach Midtrans
            caller: checkout-service
            request:
              method: POST
              path: /p/midtrans/payment/v2/charge
              body: { payment_type: gopay, customer_details: { email: budi@example.com } }
            expect:
              forward:
                method: POST
                path: /v2/charge
                query: null
                headers: { Content-Type: application/json, Authorization: "Basic fixture:env:MIDTRANS_SERVER_KEY_BASIC", X-Extra: "1" }
                body: { payment_type: gopay, customer_details: { email: budi@example.com } }
            """)
        let outcome = FixtureRunner(policy: policy).run(fixture)
        #expect(!outcome.passed)
        #expect(outcome.differences.contains { $0.hasPrefix("body ") })
        #expect(outcome.differences.contains("header x-extra missing"))
    }

    // MARK: Lint: one test per kind of problem the linter adds to the compiler's.

    static func lint(partner text: String, callers: String? = nil, secrets: Bool = true) throws -> PolicyLinter.Result {
        var source = try PolicyCompilerTests.repoSource()
        source.partnerFiles.removeAll { $0.path == "partners/midtrans.yaml" }
        source.partnerFiles.append(.init(path: "partners/midtrans.yaml", text: text))
        if let callers {
            source.policyFiles.removeAll { $0.path == "policies/callers.yaml" }
            source.policyFiles.append(.init(path: "policies/callers.yaml", text: callers))
        }
        return PolicyLinter(secretExists: { _ in secrets }, secretsRequired: true).lint(source)
    }

    static let base = PolicyCompilerTests.base + "\n    description: Take payment\n    description_id: Menerima pembayaran"
        + "\n    response: { json: [{ path: $.transaction_status, category: transaction.status }] }"
        + "\ncredentials: { header: Authorization, secret: env:MIDTRANS_KEY }\nerasure: { contact: privacy@midtrans.example }\n"

    @Test func baseVariantLintsClean() throws {
        let problems = try Self.lint(partner: Self.base).problems
        #expect(problems.isEmpty, "\(problems)")
    }

    @Test func lintFindsEachKindOfProblem() throws {
        let cases: [(String, String, String?, Bool, PolicyProblem.Severity, String, Int?)] = [
            ("duplicate rule", Self.base.replacingOccurrences(of: "          category: transaction.order_id", with: "          category: transaction.order_id\n        - path: $.transaction_details.order_id\n          category: transaction.order_id"), nil, true, .warning, "same path as rule 0", 13),
            ("rule inside a kept subtree", Self.base.replacingOccurrences(of: "$.transaction_details.order_id\n          category: transaction.order_id", with: "$.transaction_details\n          category: transaction.order_id\n        - path: $.transaction_details.order_id\n          category: transaction.order_id"), nil, true, .warning, "already kept whole", 13),
            ("route twice", Self.base.replacingOccurrences(of: "routes: [POST /v2/charge]", with: "routes: [POST /v2/charge, POST /v2/charge]"), nil, true, .warning, "listed twice", 8),
            ("body on GET only", Self.base.replacingOccurrences(of: "routes: [POST /v2/charge]", with: "routes: [GET /v2/charge]"), nil, true, .warning, "unreachable", 9),
            ("no caller may use it", Self.base, "callers:\n  other:\n    token_sha256: \(String(repeating: "ab", count: 32))\n  fulfilment-service:\n    token_sha256: \(String(repeating: "cd", count: 32))\n    hooks_url: http://fulfilment.internal/hooks\n", true, .warning, "no caller may use", 6),
            ("secret not set", Self.base, nil, false, .error, "is not set here", 16),
            ("compiler problem", Self.base.replacingOccurrences(of: "transaction.order_id", with: "nope"), nil, true, .error, "unknown category", 12),
        ]
        for (what, partner, callers, secrets, severity, words, line) in cases {
            let result = try Self.lint(partner: partner, callers: callers, secrets: secrets)
            let found = result.problems.first { $0.message.contains(words) && $0.file == "partners/midtrans.yaml" }
            #expect(found?.severity == severity, "\(what): \(result.problems)")
            #expect(found?.line == line, "\(what): \(found.map(String.init(describing:)) ?? "-")")
        }
    }

    // MARK: Diff and report

    @Test func diffShowsASensitiveFieldStartingToBeDisclosed() throws {
        let before = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        var source = try PolicyCompilerTests.repoSource()
        let index = source.partnerFiles.firstIndex { $0.path == "partners/biteship.yaml" }!
        let changed = source.partnerFiles[index].text.replacingOccurrences(of: """
                    - path: $.destination_postal_code
                      category: contact.postal_code
            """, with: """
                    - path: $.destination_postal_code
                      category: contact.postal_code
                    - path: $.destination_id_number
                      category: identity.nik
                      justification: "the courier asked for it"
                    - path: $.destination_contact_email
                      category: contact.email
            """).replacingOccurrences(of: "        - path: $.reference_id\n          category: transaction.order_id\n", with: "")
        source.partnerFiles[index] = .init(path: "partners/biteship.yaml", text: changed)
        let after = try PolicyCompiler().compile(source)
        let diff = PolicyDiff(old: before, new: after)
        #expect(diff.grows)
        #expect(diff.changes.contains { $0.kind == .grows && $0.text == "starts disclosing body $.destination_id_number as identity.nik (SENSITIVE) [keep]" })
        #expect(diff.changes.contains { $0.kind == .grows && $0.text.contains("$.destination_contact_email") })
        #expect(diff.changes.contains { $0.kind == .shrinks && $0.text.contains("$.reference_id") })
        #expect(diff.markdown.contains("| ➕ grows | `biteship` | `delivery` | starts disclosing body $.destination_id_number as identity.nik (SENSITIVE) [keep] |"))
        #expect(!PolicyDiff(old: before, new: before).grows)
        #expect(PolicyDiff(old: before, new: before).changes.isEmpty)
        // Weakening a transform grows disclosure; strengthening it does not.
        #expect(PolicyDiff.strength("keep") > PolicyDiff.strength("mask(4)"))
    }

    @Test func processingRecordNamesEveryRecipientPurposeAndCategory() throws {
        let policy = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        let record = ProcessingRecord(policy)
        #expect(record.rows.count == 4)
        let verihubs = try #require(record.rows.first { $0.partner == "verihubs" })
        #expect(verihubs.legalBasis == "consent")
        #expect(verihubs.sensitiveCategories == ["biometric.face", "identity.nik"])
        #expect(verihubs.retention == "3 years after the transaction, then erased")
        #expect(record.markdown.contains("PT Midtrans (`midtrans`) | ID | payment"))
        // Four purposes out, two hooks in.
        #expect(record.csv.split(separator: "\n").count == 7)
        let midtrans = try #require(record.collections.first { $0.partner == "midtrans" })
        #expect(midtrans.hook == "payment-notification" && midtrans.deliveredTo == "checkout-service")
        #expect(midtrans.fields.contains { $0.field == "body $.masked_card" } == false)
        #expect(record.markdown.contains("| PT Midtrans (`midtrans`) | ID | payment-notification"))
        #expect(record.csv.contains("collected,biteship,fulfilment-service,ID,hook:order-status"))
    }

    @Test func policyDiffNamesANewHookAndAFieldItStartsCollecting() throws {
        let old = try PolicyCompiler().compile(try PolicyCompilerTests.repoSource())
        var source = try PolicyCompilerTests.repoSource()
        let index = try #require(source.partnerFiles.firstIndex { $0.path.hasSuffix("midtrans.yaml") })
        let file = source.partnerFiles[index]
        source.partnerFiles[index] = .init(path: file.path, text: file.text.replacingOccurrences(
            of: "        - path: $.currency\n          category: transaction.currency\n",
            with: "        - path: $.currency\n          category: transaction.currency\n        - path: $.masked_card\n          category: financial.card_number\n          justification: test\n"))
        let diff = PolicyDiff(old: old, new: try PolicyCompiler().compile(source))
        #expect(diff.grows)
        #expect(diff.changes.map(\.description) == ["[grows] midtrans/hook:payment-notification: starts collecting body $.masked_card as financial.card_number (SENSITIVE) [keep]"])
    }
}

@Suite struct PartnerScaffoldTests {
    @Test func openAPIImportListsEveryFieldDeniedAndLoads() throws {
        let spec = try String(contentsOf: PolicyCompilerTests.root.appendingPathComponent("docs/examples/paystack-transaction.openapi.yaml"), encoding: .utf8)
        let scaffold = try PartnerScaffold(partner: "paystack", openAPI: spec, operationIDs: ["transaction_initialize", "transaction_verify"])
        #expect(scaffold.operations.map(\.id) == ["transaction_initialize", "transaction_verify"])
        let fields = scaffold.operations.flatMap(\.fields)
        #expect(fields.count == 16)
        // A route's parameter always leaves with the route: listed allowed, with a TODO to check its category.
        #expect(fields.contains { $0.kind == "path" && $0.name == "reference" })
        #expect(scaffold.yaml.contains("path_params:"))
        #expect(scaffold.yaml.contains("- { name: \"reference\", category: transaction.order_id }  # TODO check"))
        #expect(fields.contains(.init(kind: "body", name: "$.email", category: "contact.email", description: "Customer's email address")))
        #expect(fields.first { $0.name == "$.channels[*]" }?.category == "transaction.payment_method")

        // The scaffold has no country until someone writes one, and lint refuses its TODOs.
        var source = try PolicyCompilerTests.repoSource()
        source.partnerFiles.append(.init(path: "partners/paystack.yaml", text: scaffold.yaml))
        #expect(throws: PolicyLoadError.self) { try PolicyCompiler().compile(source) }
        let lint = PolicyLinter().lint(source)
        #expect(lint.errors.contains { $0.place == "country" })
        #expect(lint.errors.filter { $0.message.contains("TODO") }.count >= 4)
        #expect(lint.errors.contains { $0.message.contains("legal_entity: TODO") && $0.line != nil })

        // With a country written, it loads and allows nothing but the route's parameter.
        source.partnerFiles[source.partnerFiles.count - 1] = .init(
            path: "partners/paystack.yaml", text: scaffold.yaml.replacingOccurrences(of: "country:  # TODO", with: "country: ID  # TO-DO"))
        let before = try PolicyCompiler().compile(source)
        let purpose = try #require(before.partners["paystack"]?.purposes["TODO-purpose"])
        #expect(purpose.body.json?.isEmpty == true)
        #expect(purpose.pathParameters.map(\.name) == ["reference"])
        #expect(purpose.routes.map(\.description) == ["POST /transaction/initialize", "GET /transaction/verify/{reference}"])

        // Turning one field on is a reviewed change that diff shows.
        let index = source.partnerFiles.count - 1
        source.partnerFiles[index] = .init(
            path: "partners/paystack.yaml",
            text: source.partnerFiles[index].text.replacingOccurrences(
                of: "- { path: \"$.amount\", category: transaction.amount, allow: false }",
                with: "- { path: \"$.amount\", category: transaction.amount }"))
        let after = try PolicyCompiler().compile(source)
        let diff = PolicyDiff(old: before, new: after)
        #expect(diff.changes.map(\.text) == ["starts disclosing body $.amount as transaction.amount [keep]"])
    }

    @Test func diffSeesCallersAndNamesSensitiveCategories() throws {
        let source = try PolicyCompilerTests.repoSource()
        let before = try PolicyCompiler().compile(source)
        var changed = source
        let index = try #require(changed.policyFiles.firstIndex { $0.path.hasSuffix("callers.yaml") })
        changed.policyFiles[index] = .init(
            path: changed.policyFiles[index].path,
            text: changed.policyFiles[index].text.replacingOccurrences(
                of: "      midtrans: [payment]\n", with: "      midtrans: [payment]\n      verihubs: [identity-verification]\n"))
        let after = try PolicyCompiler().compile(changed)
        let diff = PolicyDiff(old: before, new: after)
        #expect(diff.grows)
        let change = try #require(diff.changes.first)
        #expect(change.partner == "verihubs" && change.purpose == "identity-verification")
        #expect(change.text.contains("caller 'checkout-service' may now use it"))
        #expect(change.text.contains("identity.nik (SENSITIVE)") && change.text.contains("biometric.face (SENSITIVE)"))
        // And back: the caller loses it, which shrinks.
        #expect(PolicyDiff(old: after, new: before).changes.map(\.kind) == [.shrinks])
    }

    @Test func refusesWhatIsNotOpenAPI3() {
        #expect(throws: PartnerScaffold.ImportError.self) { try PartnerScaffold(partner: "x", openAPI: "swagger: '2.0'\npaths: {}", operationIDs: []) }
        #expect(throws: PartnerScaffold.ImportError.self) {
            try PartnerScaffold(partner: "x", openAPI: "openapi: 3.0.0\npaths: {}", operationIDs: ["nope"])
        }
    }
}
