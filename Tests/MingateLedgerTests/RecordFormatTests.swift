import Foundation
import MingatePolicy
import Testing

@testable import MingateLedger

/// Format version 2 (`docs/ledger-format.md`): a decision names its shape entry, is read whole with it, and is
/// checked against it by `verify`; version 1 records written before still verify and read.
@Suite struct RecordFormatTests {
    static func decision(_ index: Int, items: Int = 3, subject: String = String(repeating: "a", count: 64)) -> Disclosure {
        var disclosure = Disclosure(requestID: "req-\(index)", method: "POST", policyVersion: "v")
        disclosure.caller = "checkout-service"
        disclosure.partner = "midtrans"
        disclosure.partnerLegalEntity = "PT Midtrans"
        disclosure.partnerCountry = "ID"
        disclosure.purpose = "payment"
        disclosure.legalBasis = "contract"
        disclosure.route = "POST /v2/charge"
        disclosure.subjectKey = subject
        disclosure.bodyDigest = String(repeating: "d", count: 64)
        disclosure.decision = .forward
        disclosure.reason = "allowed"
        disclosure.disclosed =
            [DisclosedField(path: "$['order_id']", category: "transaction.order_id", transform: "keep")]
            + (0..<items).map { DisclosedField(path: "$['items'][\($0)]['sku']", category: "transaction.items", transform: "keep") }
        disclosure.withheld = ["$['customer']"] + (0..<items).map { "$['items'][\($0)]['name']" }
        return disclosure
    }

    @Test func templatesReplaceIndexSelectorsOnly() {
        #expect(RecordShape.template("$['items'][12]['sku']") == "$['items'][*]['sku']")
        #expect(RecordShape.template("$[0][1]") == "$[*][*]")
        #expect(RecordShape.template("$['a[0]']") == "$['a[0]']", "a member name that looks like an index")
        #expect(RecordShape.template(#"$['it\'s [3]'][4]"#) == #"$['it\'s [3]'][*]"#)
        #expect(RecordShape.template("header:x[1]") == "header:x[1]")
        #expect(RecordShape.template("query:ids[2]") == "query:ids[2]")
        let shape = RecordShape(Self.decision(0, items: 2))
        #expect(shape.disclosed.map(\.count) == [1, 2])
        #expect(shape.withheld.map(\.path) == ["$['customer']", "$['items'][*]['name']"])
    }

    @Test(arguments: LedgerBackend.available)
    func aDecisionNamesItsShapeOnceAndIsReadWhole(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let signer = NoteSigner.generate(name: "test.mingate/format")
        let writer = LedgerWriter(store: try LedgerURL(url).open(), checkpointing: .init(signer: signer, origin: signer.name, interval: 0))
        try await writer.running { writer in
            _ = try await writer.append(Self.decision(0))
            _ = try await writer.append(Self.decision(1))
            _ = try await writer.append(Self.decision(2, items: 1))
        }
        let store = try LedgerURL(url).open()
        let entries = try store.entries(in: 0..<10)
        #expect(entries.map(\.kind) == [.shape, .disclosure, .disclosure, .shape, .disclosure], "one shape entry per shape")
        // The record itself is small: no paths, no static facts; its shape's entry holds them once.
        let stored = String(decoding: entries[2].encoded, as: UTF8.self)
        #expect(!stored.contains("disclosed") && !stored.contains("PT Midtrans") && stored.contains(#""shape":0"#), "\(stored)")
        #expect(stored.contains(#""v":2"#) && stored.contains(#""body_digest":"dddddddddddddddddddddddddddddddd","#), "\(stored)")

        let found = try store.query(LedgerFilter(partner: "midtrans").within(url), after: .start, limit: 10)
        #expect(found.map(\.sequence) == [1, 2, 4], "decisions only, never the shapes")
        let whole = try #require(found[1].document)
        #expect(whole["partner_legal_entity"]?.stringValue == "PT Midtrans")
        #expect(whole["route"]?.stringValue == "POST /v2/charge")
        #expect(whole["seq"] == .number(JSONNumber(2)) && whole["request_id"]?.stringValue == "req-1", "the record's own members")
        let items = whole["disclosed"]?.arrayValue?.first { $0["path"]?.stringValue == "$['items'][*]['sku']" }
        #expect(items?["count"] == .number(JSONNumber(3)))
        #expect(found[2].document?["disclosed"]?.arrayValue?.last?["count"] == .number(JSONNumber(1)), "the other shape")

        let report = try LedgerAuditor(verifier: signer.verifier).verify(store)
        #expect(report.isValid, "\(report.problems)")
        #expect(report.entries == 5)
    }

    @Test(arguments: LedgerBackend.available)
    func aDecisionNamingNoShapeOrAnotherPartnersIsFound(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let writer = LedgerWriter(store: try LedgerURL(url).open())
        let other = {
            var other = Self.decision(1)
            other.partner = "xendit"
            return other
        }()
        try await writer.running { writer in
            _ = try await writer.append(Self.decision(0))
            _ = try await writer.append(other)
            _ = try await writer.append(Self.decision(2))
        }
        let store = try LedgerURL(url).open()
        #expect(try store.entries(in: 0..<10).map(\.kind) == [.shape, .disclosure, .shape, .disclosure, .disclosure])
        let auditor = LedgerAuditor(verifier: NoteSigner.generate(name: "test.mingate/none").verifier)
        // Record 4 rewritten (hashes and all) to name record 1, a decision: it has no shape.
        let last = try #require(try store.entries(in: 4..<5).first)
        let renamed = Array(String(decoding: last.encoded, as: UTF8.self).replacingOccurrences(of: #""shape":0"#, with: #""shape":1"#).utf8)
        try backend.attacker(url).replaceEntry(4, with: renamed, leafHash: MerkleTree.leafHash(renamed))
        #expect(try auditor.verify(try LedgerURL(url).open()).problems.contains { $0.sequence == 4 && $0.message.contains("incomplete") })
        let error = try #require(throws: LedgerError.self) { try LedgerURL(url).open().query(LedgerFilter(requestID: "req-2").within(url), after: .start, limit: 10) }
        #expect(error.code == .shapeMissing, "never read as disclosing nothing")
        // Named to the shape of xendit's record instead: the wrong partner's fields.
        let misnamed = Array(String(decoding: last.encoded, as: UTF8.self).replacingOccurrences(of: #""shape":0"#, with: #""shape":2"#).utf8)
        try backend.attacker(url).replaceEntry(4, with: misnamed, leafHash: MerkleTree.leafHash(misnamed))
        #expect(try auditor.verify(try LedgerURL(url).open()).problems.contains { $0.sequence == 4 && $0.message.contains("misattributed") })
    }

    @Test(arguments: LedgerBackend.available)
    func versionOneRecordsStillVerifyAndRead(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let subject = String(repeating: "5", count: 64)
        let writer = LedgerWriter(store: try LedgerURL(url).open())
        try await writer.running { writer in
            _ = try await writer.append(Self.decision(0, subject: subject))
            _ = try await writer.append(Self.decision(1, subject: subject))
        }
        // Record 1 as a version 1 gateway wrote it: every fact in the record, columns holding the whole subject key.
        let time = try #require(try LedgerURL(url).open().entries(in: 1..<2).first?.document?["time"]?.stringValue)
        let version1 = Array(
            (#"{"body_digest":null,"caller":"checkout-service","decision":"forward","disclosed":[{"category":"transaction.order_id","path":"$['order_id']","transform":"keep"}],"#
                + #""kind":"disclosure","legal_basis":"contract","legal_reference":null,"method":"POST","partner":"midtrans","partner_country":"ID","#
                + #""partner_legal_entity":"PT Midtrans","policy_version":"v","purpose":"payment","reason":"allowed","request_id":"req-old","route":"POST /v2/charge","#
                + #""seq":1,"subject_key":"\#(subject)","time":"\#(time)","transfer_basis":null,"v":1,"withheld":["$['customer']"]}"#).utf8)
        let attacker = try backend.attacker(url)
        try attacker.replaceEntry(1, with: version1, leafHash: MerkleTree.leafHash(version1))
        try attacker.setColumn(1, "subject_key", to: subject)
        try attacker.setColumn(1, "request_id", to: "req-old")
        let store = try LedgerURL(url).open()
        let signer = NoteSigner.generate(name: "test.mingate/mixed")
        let tree = try CompactRange(store, upTo: 3)
        let checkpoint = Checkpoint(origin: signer.name, size: 3, root: tree.root)
        try store.appendCheckpoint(checkpoint, note: try signer.sign(checkpoint.text), at: Date())

        let report = try LedgerAuditor(verifier: signer.verifier).verify(store)
        #expect(report.isValid, "a log of both versions verifies: \(report.problems)")
        let found = try store.query(LedgerFilter(subjectKey: subject).within(url), after: .start, limit: 10)
        #expect(found.map(\.sequence) == [1, 2], "the whole key in a version 1 column, its prefix in a version 2 one")
        #expect(found[0].document?["withheld"] == .array(["$['customer']"]))
        #expect(found[1].document?["withheld"]?.arrayValue?.count == 2)
        #expect(found.allSatisfy { $0.document?["partner_legal_entity"]?.stringValue == "PT Midtrans" })
    }

    @Test(arguments: LedgerBackend.available)
    func subjectsSharingTheIndexedPrefixAreToldApart(_ backend: LedgerBackend) async throws {
        let url = backend.freshURL()
        let prefix = String(repeating: "7", count: IndexColumns.subjectPrefix)
        let mine = prefix + String(repeating: "0", count: 64 - prefix.count)
        let theirs = prefix + String(repeating: "1", count: 64 - prefix.count)
        let writer = LedgerWriter(store: try LedgerURL(url).open())
        try await writer.running { writer in
            _ = try await writer.append(Self.decision(0, subject: mine))
            _ = try await writer.append(Self.decision(1, subject: theirs))
        }
        let store = try LedgerURL(url).open()
        #expect(try store.query(LedgerFilter(subjectKey: mine).within(url), after: .start, limit: 10).map(\.requestID) == ["req-0"])
        #expect(try store.query(LedgerFilter(subjectKey: theirs).within(url), after: .start, limit: 10).map(\.requestID) == ["req-1"])
        // An edited column is still an edit, not taken for a neighbour's: the search fails instead of answering.
        try backend.attacker(url).setColumn(2, "subject_key", to: String(repeating: "8", count: IndexColumns.subjectPrefix))
        let error = try #require(throws: LedgerError.self) {
            try LedgerURL(url).open().query(LedgerFilter(subjectKey: String(repeating: "8", count: 64)).within(url), after: .start, limit: 10)
        }
        #expect(error.code == .indexTampered)
    }
}
