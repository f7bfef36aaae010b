import Crypto
import Foundation
import Testing

@testable import MingatePolicy

@Suite struct MinimiserTests {
    static let transformer = Transformer(pseudonymKey: SymmetricKey(data: Data("k".utf8)))
    static let deny = DenyList(words: ["cvv", "password", "pin", "otp"])

    static func minimise(_ document: String, _ rules: [(String, Transform)]) throws -> (String, [String], [String]) {
        let compiled = try rules.map { JSONRule(query: try JSONPathQuery($0.0), category: "c", transform: $0.1) }
        let result = try JSONMinimiser(rules: compiled, deny: deny).minimise(try JSONParser().parse(document), with: transformer)
        return (JSONWriter().string(result.output), result.disclosed.map(\.path), result.withheld)
    }

    /// (document, allowlist, expected output)
    static let table: [(String, [String], String)] = [
        // Ancestors are kept as containers, without their other members.
        (#"{"a":{"b":1,"c":2},"d":3}"#, ["$.a.b"], #"{"a":{"b":1}}"#),
        // A selected container is kept whole.
        (#"{"a":{"b":1,"c":{"x":1}},"d":3}"#, ["$.a"], #"{"a":{"b":1,"c":{"x":1}}}"#),
        // Arrays keep selected elements in order; unselected elements are dropped.
        (#"{"i":[{"s":1,"n":"x"},{"s":2,"n":"y"}]}"#, ["$.i[*].s"], #"{"i":[{"s":1},{"s":2}]}"#),
        (#"{"i":[10,20,30,40]}"#, ["$.i[1:3]"], #"{"i":[20,30]}"#),
        (#"{"i":[10,20,30,40]}"#, ["$.i[-1]", "$.i[0]"], #"{"i":[10,40]}"#),
        // A filter selects elements by content.
        (#"{"i":[{"t":"a","v":1},{"t":"b","v":2}]}"#, ["$.i[?@.t=='b'].v"], #"{"i":[{"v":2}]}"#),
        // Missing paths select nothing; the output is an empty object, not an error.
        (#"{"a":1}"#, ["$.b.c"], #"{}"#),
        // Member order follows the document, not the allowlist.
        (#"{"x":1,"y":2,"z":3}"#, ["$.z", "$.x"], #"{"x":1,"z":3}"#),
        // The deny list wins inside a subtree kept whole and against a wildcard.
        (#"{"p":{"bank":"b","cvv":"1","card_pin":"2","inner":{"password":"x","ok":1}}}"#, ["$.p"], #"{"p":{"bank":"b","inner":{"ok":1}}}"#),
        (#"{"p":{"bank":"b","cvv":"1"}}"#, ["$.p.*"], #"{"p":{"bank":"b"}}"#),
        (#"{"otp":"1"}"#, ["$.otp"], #"{}"#),
        // A container emptied only because its members were withheld is not sent.
        (#"{"payment":{"cvv":"1"},"id":1}"#, ["$.payment.*", "$.id"], #"{"id":1}"#),
        (#"{"payment":{"cvv":"1"},"id":1}"#, ["$.payment", "$.id"], #"{"id":1}"#),
        (#"{"a":{"auth":{"pin":"1"},"c":2}}"#, ["$.a"], #"{"a":{"c":2}}"#),
        (#"{"i":[{"pin":"1"},{"s":2}]}"#, ["$.i"], #"{"i":[{"s":2}]}"#),
        // A container that was empty to begin with is kept as it is.
        (#"{"a":{"tags":[]}}"#, ["$.a"], #"{"a":{"tags":[]}}"#),
        // The root keeps its kind: an array that keeps nothing is sent as [].
        (#"[{"pin":"1"}]"#, ["$[*]"], #"[]"#),
        (#"[1,2]"#, ["$.x"], #"[]"#),
    ]

    @Test func keepSemantics() throws {
        for (document, paths, expected) in Self.table {
            let (output, _, _) = try Self.minimise(document, paths.map { ($0, .keep) })
            #expect(output == expected, "\(paths) on \(document)")
        }
    }

    @Test func anEmptiedContainerIsNotRecordedAsDisclosed() throws {
        let (_, disclosed, withheld) = try Self.minimise(#"{"payment":{"cvv":"1"},"id":1}"#, [("$.payment", .keep), ("$.id", .keep)])
        #expect(disclosed == ["$['id']"])
        #expect(withheld == ["$['payment']['cvv']"])
    }

    @Test func recordsDisclosedAndWithheldPaths() throws {
        let (_, disclosed, withheld) = try Self.minimise(
            #"{"order":{"id":"1","secret":"s"},"customer":{"name":"n"},"items":[{"sku":"a","name":"x"}]}"#,
            [("$.order.id", .keep), ("$.items[*].sku", .keep)])
        #expect(disclosed == ["$['order']['id']", "$['items'][0]['sku']"])
        #expect(withheld == ["$['order']['secret']", "$['customer']", "$['items'][0]['name']"])
    }

    @Test func transformInsideAWholeSubtree() throws {
        let (output, _, _) = try Self.minimise(
            #"{"payment":{"card_number":"6222021234567890123","bank":"ICBC"}}"#,
            [("$.payment", .keep), ("$.payment.card_number", .mask(keepLast: 4))])
        #expect(output == #"{"payment":{"card_number":"****0123","bank":"ICBC"}}"#)
    }

    @Test func transformOfAContainerFailsClosed() throws {
        #expect(throws: TransformFailure.self) {
            try Self.minimise(#"{"a":{"b":1}}"#, [("$.a", .mask(keepLast: 4))])
        }
    }

    static let transforms: [(Transform, String, String?)] = [
        (.mask(keepLast: 4), "6222021234567890123", "****0123"),
        (.mask(keepLast: 4), "abc", "****c"),
        (.mask(keepLast: 0), "secret", "****"),
        (.card, "4111 1111 1111 1111", "411111******1111"),
        (.card, "12345", nil),
        (.generaliseDate(.year), "1990-03-07", "1990"),
        (.generaliseDate(.yearMonth), "1990-03-07T10:00:00Z", "1990-03"),
        (.generaliseDate(.year), "07/03/1990", nil),
        (.truncate(length: 3), "Jakarta", "Jak"),
        (.keep, "as is", "as is"),
    ]

    @Test func transformTable() throws {
        for (transform, input, expected) in Self.transforms {
            if let expected {
                #expect(try Self.transformer.apply(transform, toText: input) == expected, "\(transform) \(input)")
            } else {
                #expect(throws: TransformError.self, "\(transform) \(input)") {
                    try Self.transformer.apply(transform, toText: input)
                }
            }
        }
        #expect(Transform(spelling: "mask(2)") == .mask(keepLast: 2))
        #expect(Transform(spelling: "year-month") == .generaliseDate(.yearMonth))
        #expect(Transform(spelling: "encrypt") == nil)
    }

    @Test func partnerPaths() throws {
        let path = try PartnerPath.parse("/p/midtrans/payment/v2/ORD%201/status?x=1")
        #expect(path.partner == "midtrans")
        #expect(path.segments == ["v2", "ORD 1", "status"])
        #expect(path.encodedPartnerPath == "/v2/ORD%201/status")
        #expect(path.query == "x=1")
        for bad in ["/p/a/b/../c", "/p/a/b/%2e%2E/c", "/p/a/b/c%2fd", "/p/a/b//c", "/p/a/b/%zz", "/p/a/b/c%0a", "/p/a/b/c#f"] {
            #expect(throws: Refusal(.badPath, ""), "\(bad)") { try PartnerPath.parse(bad) }
        }
    }

    @Test func routeTemplates() throws {
        let route = try RouteTemplate.parse("GET /v2/{order_id}/status").get()
        #expect(route.matches(method: "GET", segments: ["v2", "ORD-1", "status"]))
        #expect(!route.matches(method: "POST", segments: ["v2", "ORD-1", "status"]))
        #expect(!route.matches(method: "GET", segments: ["v2", "status"]))
        #expect(!route.matches(method: "GET", segments: ["v2", "ORD-1", "status", "x"]))
        #expect((try? RouteTemplate.parse("POST v2/charge").get()) == nil)
        #expect((try? RouteTemplate.parse("POST /v2/../charge").get()) == nil)
    }

    @Test func multipartParsing() throws {
        let body = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--b--\r\n".utf8)
        let parsed = try MultipartBody.parse(body, boundary: "b")
        #expect(parsed.parts.map(\.name) == ["a", "f"])
        #expect(parsed.parts[1].contentType == "image/png")
        #expect(parsed.serialised() == body)
        let duplicate = Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n2\r\n--b--\r\n".utf8)
        #expect(throws: MultipartBody.ParseError.self) { try MultipartBody.parse(duplicate, boundary: "b") }
        #expect(throws: MultipartBody.ParseError.self) { try MultipartBody.parse(Array("--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1".utf8), boundary: "b") }
    }
}
