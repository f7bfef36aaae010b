import ArgumentParser
import Crypto
import Foundation
import MingatePolicy

/// Times selection (parse + evaluate every allowlist path) and minimisation (parse + one-walk select + keep/transform
/// + serialise) on one document. `scripts/bench-jsonpath.sh` runs it beside a Python peer.
struct JSONPathBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "jsonpath-bench", abstract: "Time JSONPath selection and minimisation per document (a benchmark, not a test).")

    @Argument(help: "The JSON document, e.g. ../shared/bench/payload.json.") var document: String
    @Option(name: .customLong("path"), help: "An allowlist path (repeatable; default: the peers' 10-path allowlist).") var paths: [String] = []
    @Option(help: "Documents per measurement.") var iterations: Int = 20_000

    static let defaultPaths = [
        "$.request_id", "$.order.id", "$.order.amount", "$.order.currency", "$.consignee.name", "$.consignee.phone",
        "$.consignee.address", "$.items[*].sku", "$.items[*].qty", "$.payment.card_number",
    ]

    func run() throws {
        guard let data = FileManager.default.contents(atPath: document) else { throw CommandFailure("cannot read \(document)") }
        let bytes = Array(data)
        let texts = paths.isEmpty ? Self.defaultPaths : paths
        let queries = try texts.map { try JSONPathQuery($0) }
        let rules = queries.map { JSONRule(query: $0, category: "bench", transform: $0.text == "$.payment.card_number" ? .mask(keepLast: 4) : .keep) }
        let minimiser = JSONMinimiser(rules: rules, deny: DenyList(words: ["cvv", "password", "otp", "pin"]))
        let transformer = Transformer(pseudonymKey: SymmetricKey(data: Data("bench".utf8)))
        let parser = JSONParser()

        var sink = 0
        func measure(_ body: () throws -> Int) rethrows -> Double {
            for _ in 0..<min(1000, iterations) { sink &+= try body() }  // warm-up
            let start = ContinuousClock.now
            for _ in 0..<iterations { sink &+= try body() }
            let elapsed = ContinuousClock.now - start
            return (Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18) / Double(iterations)
        }
        let selection = try measure {
            let value = try parser.parse(bytes)
            return queries.reduce(0) { $0 + $1.select(in: value).count }
        }
        var output = 0
        let minimisation = try measure {
            let value = try parser.parse(bytes)
            let result = try minimiser.minimise(value, with: transformer)
            let written = JSONWriter().bytes(result.output)
            output = written.count
            return written.count
        }
        let megabytes = Double(bytes.count) / 1_000_000
        print("# mingate, \(texts.count) paths, document \(bytes.count) B → minimised \(output) B, \(iterations) documents (sink \(sink % 10))")
        print(String(format: "mingate  selection     %8.2f µs/doc  %7.1f MB/s", selection * 1e6, megabytes / selection))
        print(String(format: "mingate  minimisation  %8.2f µs/doc  %7.1f MB/s", minimisation * 1e6, megabytes / minimisation))
    }
}
