import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

@Suite struct LedgerOverviewTests {
    func record(_ json: String) throws -> JSONValue { try JSONParser().parse(Array(json.utf8)) }

    @Test func countsDecisionsIntoBucketsCategoriesReasonsAndCallers() throws {
        var overview = LedgerOverview(
            since: "2026-11-24T22:00:00Z", until: "2026-11-25T01:30:00Z", bucket: .hour, sensitive: ["identity.nik"])
        #expect(overview.buckets == ["2026-11-24T22", "2026-11-24T23", "2026-11-25T00", "2026-11-25T01"])
        overview.add(try record(#"{"kind":"disclosure","time":"2026-11-24T23:59:59.999Z","caller":"checkout","partner":"midtrans","decision":"forward","reason":"allowed","disclosed":[{"path":"$['a']","category":"transaction.amount","transform":"keep"},{"path":"$['b']","category":"transaction.amount","transform":"keep"}],"withheld":["$['c']","$['d']"]}"#))
        overview.add(try record(#"{"kind":"disclosure","time":"2026-11-25T01:00:00.000Z","caller":"kyc","partner":"verihubs","decision":"forward","reason":"allowed","disclosed":[{"path":"part:nik","category":"identity.nik","transform":"keep"}],"withheld":[]}"#))
        overview.add(try record(#"{"kind":"disclosure","time":"2026-11-25T01:00:00.000Z","caller":"kyc","partner":"verihubs","decision":"refuse","reason":"consent_required","disclosed":[],"withheld":[]}"#))
        overview.add(try record(#"{"kind":"outcome","time":"2026-11-25T01:00:00.000Z","partner":"verihubs","status":200}"#))
        #expect(overview.scanned == 3)
        #expect(overview.forwarded == 2)
        #expect(overview.refused == 1)
        #expect(overview.byPartner.map(\.partner) == ["midtrans", "verihubs"] || overview.byPartner.map(\.partner) == ["verihubs", "midtrans"])
        #expect(overview.byPartner.first { $0.partner == "midtrans" }?.counts == [0, 1, 0, 0])
        #expect(overview.byPartner.first { $0.partner == "verihubs" }?.counts == [0, 0, 0, 1])
        #expect(overview.byCategory == [
            .init(category: "identity.nik", sensitive: true, records: 1),
            .init(category: "transaction.amount", sensitive: false, records: 1),
        ], "a record counts once per category")
        #expect(overview.refusalsByReason == [.init(name: "consent_required", count: 1)])
        let checkout = try #require(overview.withheldByCaller.first { $0.caller == "checkout" })
        #expect(checkout.share == 0.5)
        #expect(overview.withheldByCaller.first { $0.caller == "kyc" }?.share == 0)

        let svg = OverviewCharts.byCategory(overview)
        #expect(svg.contains("⚠ identity.nik") && svg.contains("class=\"label marked\""))
        #expect(OverviewCharts.disclosuresOverTime(overview).contains("midtrans (1)"))
    }

    @Test func chartLabelsAreEscaped() {
        var overview = LedgerOverview(since: "2026-11-25T00:00:00Z", until: "2026-11-26T00:00:00Z", bucket: .day, sensitive: [])
        overview.add(.object(JSONObject([
            ("kind", "disclosure"), ("time", "2026-11-25T01:00:00.000Z"), ("caller", "<script>&\""), ("decision", "refuse"),
            ("reason", "a<b"),
        ])))
        let charts = OverviewCharts.refusalsByReason(overview) + OverviewCharts.withheldByCaller(overview)
        #expect(!charts.contains("<script>") && !charts.contains("a<b"))
        #expect(charts.contains("a&lt;b"))
    }

    @Test func timesParseStrictly() {
        #expect(LedgerEncoding.date("2026-11-25T10:00:00Z") == Date(timeIntervalSince1970: 1_795_600_800))
        #expect(LedgerEncoding.date("2026-11-25T10:00:00.250Z")?.timeIntervalSince1970 == 1_795_600_800.25)
        for bad in ["2026-02-30T00:00:00Z", "2026-13-01T00:00:00Z", "2026-11-25", "2026-11-25T10:00:00", "2026-11-25T24:00:00Z",
                    "2026-11-25T10:00:00+07:00", "2026-11-25t10:00:00Z", "2026-11-25T10:00:00.5Z", "２０２６-11-25T10:00:00Z"] {
            #expect(LedgerEncoding.date(bad) == nil, "\(bad)")
        }
        let now = Date(timeIntervalSince1970: 1_795_600_800.123)
        #expect(LedgerEncoding.date(LedgerEncoding.timestamp(now)) == now)
    }
}
