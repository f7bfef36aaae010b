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

        static func sample(worker: Int, index: Int) -> Disclosure {
            var disclosure = Disclosure(requestID: "bench-\(worker)-\(index)", method: "POST", policyVersion: String(repeating: "a", count: 64))
            disclosure.caller = "bench-order-service"
            disclosure.partner = "logistics-co"
            disclosure.partnerLegalEntity = "PT Logistik Contoh"
            disclosure.partnerCountry = "ID"
            disclosure.purpose = "delivery"
            disclosure.legalBasis = "contract"
            disclosure.route = "POST /v1/shipments"
            disclosure.subjectKey = String(repeating: "b", count: 64)
            disclosure.bodyDigest = String(repeating: "c", count: 64)
            disclosure.decision = .forward
            disclosure.reason = "allowed"
            disclosure.disclosed = ["$['order']['id']", "$['order']['amount']", "$['consignee']['name']", "$['consignee']['phone']", "$['consignee']['address']", "$['items'][0]['sku']", "$['items'][0]['qty']", "$['payment']['card_number']"].map {
                DisclosedField(path: $0, category: "contact.name", transform: "keep")
            }
            disclosure.withheld = ["$['customer']", "$['device']", "$['browsing_history']", "$['risk']", "$['payment']['card_holder']"]
            return disclosure
        }
    }
}
