import Testing

@testable import MingatePolicy

/// A route's `{name}` parameters are fields: declared with a category and transform, or the policy does not load.
@Suite struct PathParameterTests {
    static let partner = PolicyCompilerTests.base.replacingOccurrences(
        of: "routes: [POST /v2/charge]", with: "routes: [POST /v2/charge, \"GET /v2/{order_id}/status\"]")

    @Test func anUndeclaredParameterDoesNotLoadAndSaysWhere() throws {
        let problems = try PolicyCompilerTests.problems(partner: Self.partner)
        let found = try #require(problems.first { $0.message.contains("{order_id}") })
        #expect(found.place == "purposes.payment.routes[1]")
        #expect(found.message.contains("path_params"))
        #expect(found.line == 8)
    }

    @Test func aDeclaredParameterLoadsWithItsCategoryAndTransform() throws {
        var source = try PolicyCompilerTests.repoSource()
        source.partnerFiles.removeAll { $0.path == "partners/midtrans.yaml" }
        source.partnerFiles.append(
            .init(
                path: "partners/midtrans.yaml",
                text: Self.partner + "\n    path_params:\n      - { name: order_id, category: transaction.order_id, transform: pseudonym }"))
        let policy = try PolicyCompiler().compile(source)
        let rule = try #require(policy.partners["midtrans"]?.purposes["payment"]?.pathParameters.first)
        #expect(rule.name == "order_id" && rule.category == "transaction.order_id" && rule.transform == .pseudonym)
    }

    @Test(arguments: [
        ("      - { name: order_id, category: transaction.order_id, allow: false }", "cannot be withheld"),
        ("      - { name: order_id, category: no.such }", "unknown category"),
        ("      - { name: order_id, category: transaction.order_id }\n      - { name: order_id, category: contact.email }", "silently loses"),
        ("      - { name: order_id, category: transaction.order_id }\n      - { name: pin, category: transaction.order_id }", "deny list"),
    ])
    func badDeclarationsAreErrors(_ declaration: String, _ words: String) throws {
        let problems = try PolicyCompilerTests.problems(partner: Self.partner + "\n    path_params:\n" + declaration)
        #expect(problems.contains { $0.message.contains(words) && $0.place.contains("path_params") }, "\(problems)")
    }
}

/// Rules that would lose to another without a word are load errors naming both places.
@Suite struct LosingRuleTests {
    static func problems(_ rules: String) throws -> [PolicyProblem] {
        let partner = PolicyCompilerTests.base.replacingOccurrences(
            of: "        - path: $.transaction_details.order_id\n          category: transaction.order_id", with: rules)
        return try PolicyCompilerTests.problems(partner: partner)
    }

    @Test func anIndexUnderAWildcardWithAnotherTransformLoses() throws {
        let problems = try Self.problems("""
                    - { path: "$.items[*].sku", category: transaction.items }
                    - { path: "$.items[0].sku", category: transaction.items, transform: mask(1) }
            """)
        let found = try #require(problems.first { $0.message.contains("silently loses") })
        #expect(found.place == "purposes.payment.body.json[1]")
        #expect(found.message.contains("purposes.payment.body.json[0] ($.items[*].sku"))
    }

    @Test func aKeepInsideAKeptSubtreeWithAnotherCategoryLoses() throws {
        let problems = try Self.problems("""
                    - { path: "$.payment", category: transaction.payment_method }
                    - { path: "$.payment.amount", category: transaction.amount }
            """)
        #expect(problems.contains { $0.place == "purposes.payment.body.json[1]" && $0.message.contains("silently loses") }, "\(problems)")
    }

    @Test(arguments: [
        // Disjoint names, a transform inside a kept subtree (it applies there), the same rule for an overlap.
        "        - { path: \"$.a\", category: transaction.amount }\n        - { path: \"$.b\", category: transaction.items, transform: mask(1) }",
        "        - { path: \"$.p\", category: transaction.payment_method }\n        - { path: \"$.p.card\", category: financial.card_number, transform: card }\n    justification: test",
        "        - { path: \"$.items[*].sku\", category: transaction.items }\n        - { path: \"$.items[0].sku\", category: transaction.items }",
        "        - { path: \"$.items[0].sku\", category: transaction.items }\n        - { path: \"$.items[1].sku\", category: transaction.items, transform: mask(1) }",
    ])
    func rulesThatDoNotLoseLoad(_ rules: String) throws {
        #expect(try Self.problems(rules).isEmpty)
    }

    @Test func overlapTable() throws {
        let cases: [(String, String, JSONPathQuery.Overlap)] = [
            ("$.a", "$.b", .none),
            ("$.a", "$.a", .sameNodes),
            ("$.items[0].sku", "$.items[*].sku", .sameNodes),
            ("$.items[0].sku", "$.items[1].sku", .none),
            ("$.items[-1]", "$.items[2]", .sameNodes),
            ("$.a.b", "$.a", .inside),
            ("$.a", "$.a.b", .contains),
            ("$.a[0]", "$.a.x", .none),
            ("$['caf\u{E9}']", "$['cafe\u{301}']", .none),
            ("$.a[?@.t=='x']", "$.a[3]", .sameNodes),
            ("$..x", "$.y", .sameNodes),
        ]
        for (left, right, expected) in cases {
            #expect(try JSONPathQuery(left).overlap(with: JSONPathQuery(right)) == expected, "\(left) vs \(right)")
        }
    }
}

/// Framing a proxy must enforce before anything is placed: one Host, plain chunked, ASCII header values.
@Suite struct RequestFramingTests {
    @Test(arguments: [
        (true, [("Transfer-Encoding", "chunked")], nil),
        (true, [("Transfer-Encoding", " Chunked ")], nil),
        (false, [], "bad_host"),
        (true, [("Host", "second")], "bad_host"),
        (true, [("Transfer-Encoding", "gzip, chunked")], "unsupported_transfer_coding"),
        (true, [("Transfer-Encoding", "gzip")], "unsupported_transfer_coding"),
        (true, [("Transfer-Encoding", "chunked;q=1")], "malformed_chunked"),
        (true, [("Idempotency-Key", "caf\u{E9}")], "bad_header_value"),
        (true, [("Idempotency-Key", "a\u{FFFD}b")], "bad_header_value"),
        (true, [("Idempotency-Key", "tab\tand space ok")], nil),
    ] as [(Bool, [(String, String)], String?)])
    func framing(_ hasHost: Bool, _ headers: [(String, String)], _ code: String?) {
        var refused: String?
        do throws(Refusal) {
            try RequestFraming.check(hasHost: hasHost, headers: headers.map { (name: $0.0, value: $0.1) })
        } catch {
            refused = error.code.rawValue
        }
        #expect(refused == code, "\(headers)")
    }

    /// The byte-level checks on the request path say what Foundation's trimming and lower-casing would.
    @Test func byteLevelHeaderChecksAgreeWithFoundation() {
        let values = ["0", " 0 ", "\t0", "00", "2116", "", " ", "\t \t", "a", " a ", "\u{A0}", "\u{A0}0\u{2003}", "0\n", "\r"]
        for value in values {
            #expect(Enforcer.isZero(value) == (value.trimmingCharacters(in: .whitespaces) == "0"), "\(value.debugDescription)")
            #expect(Enforcer.isBlank(value) == value.trimmingCharacters(in: .whitespaces).isEmpty, "\(value.debugDescription)")
        }
        for name in ["connection", "Connection", "CONNECTION", "connectioN", "connections", "connectio", "c\u{F6}nnection", "x-connection"] {
            #expect(RequestFraming.isNamed(name, "connection") == (name.lowercased() == "connection"), "\(name)")
        }
    }
}
