import Foundation
import MingateLedger
import MingatePolicy
import Testing

@testable import MingateGateway

/// Property tests over what an auditor (or an attacker with an auditor's token) can send: generated queries and
/// paths against the audit routes, and mutated receipts against the strict parser. Seeded, so a failure repeats.
@Suite struct AuditFuzzTests {
    /// SplitMix64: small, fast and the same on every machine.
    struct Generator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Personal values typed where an auditor types (a path, a query): none may reach the log.
    static let personal = ["budi@example.com", "081234567890", "3171234567890001"]

    static let names = [
        "partner", "purpose", "caller", "subject_key", "decision", "reason", "request_id", "since", "until", "kind", "origin",
        "after", "limit", "from", "to", "x", "", "partner%", "%zz", "li%6dit",
    ]
    static let values = [
        "midtrans", "payment", "checkout-service", "forward", "refuse", "allowed", "consent_required", "disclosure", "inbound",
        "consent", "erasure", "outcome", "-1", "0", "1", "3", "1000", "1001", "-2", "9223372036854775807", "9223372036854775808",
        "-9223372036854775808", "abc", "1e3", "0x10", "", "%", "%2", "%zz", "%00", "%E2%80%AE", "2026-11-25T00:00:00Z",
        "2026-13-01T00:00:00Z", "2026-11-25", "gw-1#5", "#5", "gw#", "gw#-2", "+5", "gw#+5", " 5", String(repeating: "a", count: 64),
        String(repeating: "A", count: 64), String(repeating: "z", count: 5000), "%F0%9F%98%80",
    ] + personal

    static func query(_ random: inout Generator) -> String {
        (0..<Int.random(in: 0...4, using: &random)).map { _ in
            let name = names.randomElement(using: &random)!
            return Bool.random(using: &random) ? name : name + "=" + values.randomElement(using: &random)!
        }.joined(separator: "&")
    }

    static func path(_ random: inout Generator) -> String {
        let value = values.randomElement(using: &random)!
        switch Int.random(in: 0..<4, using: &random) {
        case 0: return "/audit/records?" + query(&random)
        case 1: return "/audit/proof/" + value
        case 2: return "/audit/consistency?" + query(&random)
        default: return "/audit/overview?" + query(&random)
        }
    }

    @Test func generatedAuditRequestsAreAnsweredNeverCrashAndNeverLogWhatWasTyped() async throws {
        let logs = LogCapture()
        try await GatewayHarness.with(logs: logs) { harness in
            for _ in 0..<3 { #expect(try await harness.postJSON("/p/midtrans/payment/v2/charge", ForwardingTests.fullOrder).status == 200) }
            var random = Generator(state: 20_261_126)
            var statuses: [Int: Int] = [:]
            for _ in 0..<400 {
                let path = Self.path(&random)
                let answer = try await harness.send("GET", path, token: GatewayHarness.auditorToken)
                statuses[answer.status, default: 0] += 1
                #expect([200, 400, 404].contains(answer.status), "\(path) answered \(answer.status)")
                if answer.status != 200 {
                    #expect(answer.errorCode != nil, "\(path): an error without a code: \(String(decoding: answer.body.prefix(200), as: UTF8.self))")
                }
                // What came back for a filter matches it: a wider answer is the failure that matters here.
                if answer.status == 200, path.hasPrefix("/audit/records?"), let records = answer.json?["records"]?.arrayValue {
                    for (name, value) in Self.fields(path) where ["partner", "purpose", "caller", "decision"].contains(name) {
                        #expect(records.allSatisfy { $0[name]?.stringValue == value }, "\(path): a record outside \(name)=\(value)")
                    }
                }
            }
            for after in ["+5", "gw#+5", "#5", "5#", " 5", "-2"] {
                let answer = try await harness.send(
                    "GET", "/audit/records?after=" + (after.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""),
                    token: GatewayHarness.auditorToken)
                #expect(answer.errorCode == "bad_request", "after=\(after) answered \(answer.status)")
            }
            #expect(statuses[200, default: 0] > 20 && statuses[400, default: 0] > 50, "the generator reaches both answers: \(statuses)")
            #expect(try await harness.send("GET", "/healthz", token: nil).status == 200, "the gateway is still up")
            // A store of one log is named by its checkpoints: asked for another origin, it has no records.
            for _ in 0..<100 where try await harness.send("GET", "/audit/checkpoint", token: GatewayHarness.auditorToken).status != 200 {
                try await Task.sleep(for: .milliseconds(20))
            }
            let origin = GatewayHarness.checkpointSigner.name.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
            let own = try await harness.send("GET", "/audit/records?origin=\(origin)", token: GatewayHarness.auditorToken)
            #expect(own.json?["records"]?.arrayValue?.isEmpty == false)
            #expect(own.json?["origins"]?.arrayValue?.allSatisfy { $0.stringValue == GatewayHarness.checkpointSigner.name } == true)
            let elsewhere = try await harness.send("GET", "/audit/records?origin=gw-elsewhere", token: GatewayHarness.auditorToken)
            #expect(elsewhere.status == 200 && elsewhere.json?["records"]?.arrayValue?.isEmpty == true)
        }
        let lines = logs.lines
        #expect(!lines.isEmpty, "the capture saw the gateway's log")
        for value in Self.personal {
            #expect(!lines.contains { $0.contains(value) }, "\(value) reached the log")
        }
    }

    /// The query's fields as the gateway reads them (well-formed ones only).
    static func fields(_ path: String) -> [(String, String)] {
        guard let query = path.split(separator: "?", maxSplits: 1).dropFirst().first,
            let fields = FormEncoding.decode(query)
        else { return [] }
        return fields.map { ($0.name, $0.value) }
    }

    @Test func mutatedReceiptsNeverVerifyAsAnotherRecord() throws {
        let signer = NoteSigner.generate(name: "test.mingate/fuzz")
        let records = (0..<5).map { Array(#"{"kind":"disclosure","seq":\#($0),"v":1}"#.utf8) }
        let leaves = records.map { MerkleTree.leafHash($0) }
        let checkpoint = Checkpoint(origin: signer.name, size: leaves.count, root: MerkleTree.root(leaves[...]))
        let receipt = InclusionReceipt(
            index: 3, record: records[3], proof: MerkleTree.inclusionProof(3, leaves[...]), checkpointNote: try signer.sign(checkpoint.text))
        let original = Array(receipt.text.utf8)
        #expect(try InclusionReceipt(text: receipt.text).verify(with: signer.verifier).size == 5)

        var random = Generator(state: 6962)
        var accepted = 0
        for _ in 0..<3000 {
            var bytes = original
            for _ in 0..<Int.random(in: 1...3, using: &random) {
                let at = Int.random(in: 0..<bytes.count, using: &random)
                switch Int.random(in: 0..<4, using: &random) {
                case 0: bytes[at] ^= UInt8(1 << Int.random(in: 0..<8, using: &random))
                case 1: bytes.remove(at: at)
                case 2: bytes.insert(UInt8.random(in: 0...255, using: &random), at: at)
                default: bytes.insert(contentsOf: [UInt8(ascii: "\n")], at: at)
                }
                if bytes.isEmpty { bytes = [0] }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard let parsed = try? InclusionReceipt(text: text), (try? parsed.verify(with: signer.verifier)) != nil else { continue }
            // Whatever still verifies proves the same record at the same place: nothing else can be forged.
            accepted += 1
            #expect(parsed.record == records[3] && parsed.index == 3, "a mutation verified as another record: \(text.debugDescription)")
        }
        #expect(accepted < 3000, "the mutations change something")
    }
}
