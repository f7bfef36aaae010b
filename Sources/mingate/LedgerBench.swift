import Crypto
import ArgumentParser
import Foundation
import MingateLedger
import MingatePolicy

extension LedgerCommand {
    /// Durable appends per second and append latency at several numbers of concurrent writers.
    struct Bench: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Measure durable appends/s and p50/p99 append latency with 1, 16 and 256 concurrent writers.",
            discussion: "Writes to the ledger given (use a scratch one: the records stay). Prints one line per writer count.")

        @Option(help: "The ledger to write to: sqlite:PATH or postgres://…?origin=NAME.") var ledger: String
        @Option(help: "Writer counts, comma-separated.") var writers: String = "1,16,256"
        @Option(help: "Seconds per writer count.") var seconds: Double = 5

        func run() async throws {
            let (url, writer) = try Self.open(ledger)
            print("# ledger \(url), \(seconds)s per row, records like a forwarded decision (~1 KB)")
            print("writers  appends/s  p50 ms  p99 ms  max ms")
            let counts = writers.split(separator: ",").compactMap({ Int($0.trimmingCharacters(in: .whitespaces)) })
            let seconds = self.seconds
            try await writer.running { writer in
                for count in counts {
                    let (latencies, wall) = try await Self.measure(writer, writers: count, seconds: seconds)
                    func percentile(_ p: Double) -> Double {
                        latencies.isEmpty ? 0 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
                    }
                    print(String(format: "%7d  %9.0f  %6.2f  %6.2f  %6.2f", count, Double(latencies.count) / wall,
                        percentile(0.5), percentile(0.99), latencies.last ?? 0))
                }
            }
        }

        static func open(_ text: String) throws -> (LedgerURL, LedgerWriter) {
            do {
                let url = try LedgerURL(text)
                return (url, LedgerWriter(store: try url.open()))
            } catch {
                throw CommandFailure("\(error)")
            }
        }

        /// Append latencies in milliseconds, sorted, and the wall time in seconds.
        static func measure(_ writer: LedgerWriter, writers count: Int, seconds: Double) async throws -> ([Double], Double) {
            let started = ContinuousClock.now
            let deadline = started + .milliseconds(Int(seconds * 1000))
            var all: [Double] = []
            try await withThrowingTaskGroup(of: [Double].self) { group in
                for worker in 0..<count {
                    group.addTask { try await appendUntil(deadline, writer: writer, worker: worker) }
                }
                for try await own in group { all += own }
            }
            return (all.sorted(), milliseconds(ContinuousClock.now - started) / 1000)
        }

        static func appendUntil(_ deadline: ContinuousClock.Instant, writer: LedgerWriter, worker: Int) async throws -> [Double] {
            var own: [Double] = []
            var index = 0
            while ContinuousClock.now < deadline {
                let begin = ContinuousClock.now
                _ = try await writer.append(sample(worker: worker, index: index))
                own.append(milliseconds(ContinuousClock.now - begin))
                index += 1
            }
            return own
        }

        static func milliseconds(_ duration: Duration) -> Double {
            duration.inSeconds * 1000
        }

        /// The decision the gateway records for `../shared/bench/payload.json` (bench/partners/logistics-co.yaml): the
        /// same fields, paths and lengths, so bytes on disk are those of real traffic. Ids and digests differ per
        /// request as real ones do: a 16-character request id (`RequestIdentifier`), a subject out of 100,000
        /// customers, a body digest per request.
        static func sample(worker: Int, index: Int) -> Disclosure {
            let requestID = String(digest("request-\(worker)", index).prefix(16))
            var disclosure = Disclosure(requestID: requestID, method: "POST", policyVersion: String(repeating: "4133e486", count: 8))
            disclosure.caller = "bench-order-service"
            disclosure.partner = "logistics-co"
            disclosure.partnerLegalEntity = "PT Logistik Contoh"
            disclosure.partnerCountry = "ID"
            disclosure.purpose = "delivery"
            disclosure.legalBasis = "contract"
            disclosure.route = "POST /v1/shipments"
            disclosure.subjectKey = digest("subject", index % 100_000)
            disclosure.bodyDigest = digest("body", index)
            disclosure.decision = .forward
            disclosure.reason = "allowed"
            let fields: [(String, String, String)] = [
                ("$['order']['id']", "transaction.order_id", "keep"), ("$['order']['amount']", "transaction.amount", "keep"),
                ("$['order']['currency']", "transaction.currency", "keep"), ("$['consignee']['name']", "contact.name", "keep"),
                ("$['consignee']['phone']", "contact.phone", "keep"), ("$['consignee']['address']", "contact.address", "keep"),
                ("$['payment']['card_number']", "financial.card_number", "mask(4)"),
            ]
            let items = (0..<3).flatMap { item in
                ["sku", "qty"].map { ("$['items'][\(item)]['\($0)']", "transaction.items", "keep") }
            }
            disclosure.disclosed = (fields + items).map { DisclosedField(path: $0.0, category: $0.1, transform: $0.2) }
            disclosure.withheld =
                [
                    "$['request_id']", "$['order']['created_at']", "$['order']['channel']", "$['order']['coupon_codes']", "$['order']['notes']",
                    "$['customer']", "$['payment']['method']", "$['payment']['card_holder']", "$['payment']['bank']", "$['payment']['expiry']",
                    "$['payment']['billing_address']",
                ] + (0..<3).flatMap { item in ["name", "unit_price", "category", "warehouse"].map { "$['items'][\(item)]['\($0)']" } }
                + ["$['device']", "$['browsing_history']", "$['risk']", "header:user-agent", "header:accept"]
            return disclosure
        }

        /// 64 hex digits, different for each `value`, like an HMAC-SHA256 in hex.
        static func digest(_ label: String, _ value: Int) -> String {
            KeyedDigests.hex(SHA256.hash(data: Array("\(label):\(value)".utf8)))
        }
    }
}
