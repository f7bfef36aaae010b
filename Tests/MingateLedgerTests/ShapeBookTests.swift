import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// A record names its shape through `ShapeBook`: by matching its route's last shape (`RecordShape.matches`) when it
/// can, by building its shape otherwise. Both must give the same answer, or a record would name a shape it does not
/// have.
@Suite struct ShapeBookTests {
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    static let paths = ["$['a']", "$['b']['c']", "$['items'][0]['sku']", "$['items'][1]['sku']", "$['items'][2]['sku']",
        "$['items'][0]['qty']", "$['x[0]']", "header:x-trace", "query:page"]

    static func disclosure(_ random: inout Generator) -> Disclosure {
        var disclosure = Disclosure(requestID: "r", method: random.next(16) == 0 ? "PUT" : "POST", policyVersion: random.next(16) == 0 ? "v2" : "v1")
        disclosure.partner = random.next(16) == 0 ? "other" : "midtrans"
        disclosure.purpose = "payment"
        disclosure.partnerLegalEntity = random.next(16) == 0 ? nil : "PT Midtrans"
        disclosure.partnerCountry = "ID"
        disclosure.legalBasis = random.next(16) == 0 ? "consent" : "contract"
        disclosure.transferBasis = random.next(16) == 0 ? "scc" : nil
        disclosure.route = "POST /v2/charge"
        // Mostly one pattern with a varying number of array elements (so different disclosures share shapes), now
        // and then a path from the pool put anywhere (so orders and groups differ).
        var disclosed = [DisclosedField(path: "$['a']", category: "c1", transform: "keep")]
        disclosed += (0..<random.next(3)).map { DisclosedField(path: "$['items'][\($0)]['sku']", category: "c1", transform: "keep") }
        if random.next(4) == 0 { disclosed.append(DisclosedField(path: "$['card']", category: "c2", transform: "mask(4)")) }
        if random.next(4) == 0 {
            disclosed.insert(
                DisclosedField(path: paths[random.next(paths.count)], category: random.next(2) == 0 ? "c1" : "c2", transform: "keep"),
                at: random.next(disclosed.count + 1))
        }
        var withheld = ["$['b']['c']"] + (0..<random.next(3)).map { "$['items'][\($0)]['name']" }
        if random.next(4) == 0 { withheld.insert(paths[random.next(paths.count)], at: random.next(withheld.count + 1)) }
        disclosure.disclosed = disclosed
        disclosure.withheld = withheld
        return disclosure
    }

    @Test func matchingAgreesWithBuildingTheShape() {
        var random = Generator(state: 0x7368_6170_65)
        var matched = 0
        for _ in 0..<20_000 {
            let first = Self.disclosure(&random)
            let second = Self.disclosure(&random)
            let shape = RecordShape(first)
            #expect(shape.matches(first) == true)
            let agrees = shape.matches(second) == (RecordShape(second) == shape)
            #expect(agrees, "\(first) against \(second)")
            if !agrees { break }
            if RecordShape(second) == shape { matched += 1 }
        }
        // The generator must produce equal shapes from different disclosures (reordered indexes), or this tests little.
        #expect(matched > 200, "\(matched)")
    }

    @Test func twoSpellingsOfANameAreTwoShapes() {
        var random = Generator(state: 7)
        var nfc = Self.disclosure(&random)
        nfc.disclosed.append(DisclosedField(path: "$['caf\u{E9}']", category: "c1", transform: "keep"))
        nfc.withheld.append("$['na\u{EF}ve'][0]")
        var nfd = nfc
        nfd.disclosed[nfd.disclosed.count - 1] = DisclosedField(path: "$['cafe\u{301}']", category: "c1", transform: "keep")
        #expect(RecordShape(nfc) != RecordShape(nfd))
        #expect(RecordShape(nfc).matches(nfd) == false)
        var withheldNFD = nfc
        withheldNFD.withheld[withheldNFD.withheld.count - 1] = "$['nai\u{308}ve'][3]"
        #expect(RecordShape(nfc) != RecordShape(withheldNFD))
        #expect(RecordShape(nfc).matches(withheldNFD) == false)
        let book = ShapeBook()
        let commit = book.plan([.disclosure(nfc), .disclosure(nfd)], from: 0, recordedAt: "2026-11-26T00:00:00Z")
        #expect(commit.rows.filter { $0.entry.kind == .shape }.count == 2, "one shape entry for each spelling")
    }

    @Test func aShapeTooLargeToScanIsNotMatched() {
        var disclosure = Disclosure(requestID: "r", method: "POST", policyVersion: "v1")
        disclosure.withheld = (0...RecordShape.matchLimit).map { "$['k\($0)']" }
        #expect(RecordShape(disclosure).matches(disclosure) == nil)
    }

    @Test func recordsNameTheirOwnShapeAcrossCommits() throws {
        var random = Generator(state: 42)
        let book = ShapeBook()
        let time = "2026-11-26T00:00:00Z"
        var next: Int64 = 0
        // The shape entries written so far (as the log holds them), by sequence number.
        var written: [Int64: [UInt8]] = [:]
        var fromTheRoute = 0
        for _ in 0..<300 {
            let disclosures = (0..<(1 + random.next(4))).map { _ in Self.disclosure(&random) }
            let commit = book.plan(disclosures.map { .disclosure($0) }, from: next, recordedAt: time)
            var position = 0
            for (entry, _) in commit.rows {
                if entry.kind == .shape {
                    written[entry.sequence] = entry.encoded
                    continue
                }
                try #require(position < disclosures.count)
                let disclosure = disclosures[position]
                position += 1
                let reference = try #require(entry.shapeReference)
                #expect(reference < entry.sequence)
                let expected = LedgerEncoding.encode(.shape(RecordShape(disclosure), requestID: "r"), sequence: reference, time: time)
                #expect(written[reference] == expected, "record \(entry.sequence) names shape \(reference), not its own")
                if reference < next { fromTheRoute += 1 }
            }
            #expect(position == disclosures.count)
            // Now and then a commit fails, or its answer is lost, as the stores see it: the book is not taught it,
            // and no later record may name a shape entry it wrote (it may not be in the log, or not at those numbers).
            if random.next(20) == 0 {
                for (entry, _) in commit.rows where entry.kind == .shape { written[entry.sequence] = nil }
                // Whether it landed or not, the next commit starts where the log now ends.
                if random.next(2) == 0 { next += Int64(commit.rows.count) }
            } else {
                book.learn(commit)
                next += Int64(commit.rows.count)
            }
        }
        #expect(fromTheRoute > 100, "records naming shapes of earlier commits: \(fromTheRoute)")
    }
}
