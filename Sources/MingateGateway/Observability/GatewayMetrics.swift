import Foundation
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import Prometheus

/// The gateway's metrics, in one Prometheus registry per gateway (so two gateways in one process, as in the tests,
/// never share counts). Every label value comes from the policy in force (partner, purpose, caller and route ids),
/// from a closed set (decision, reason code, status class), or is `-`: never a value from the request, never a
/// subject. A client scanning paths therefore adds no series. Names follow Prometheus conventions (`_total`,
/// `_seconds`, `_bytes`); `docs/metrics.md` lists them.
public final class GatewayMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    /// The factory the ledger writer's swift-metrics instruments use, over the same registry.
    public let factory: PrometheusMetricsFactory

    private let policyVersion = NIOLockedValueBox<(version: String, gauge: Gauge?)>(("", nil))
    /// Connections refused by the cap as of the last scrape (the guard keeps the running total).
    private let refusedConnectionsSeen = NIOLockedValueBox(0)

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.durationHistogramBuckets[LedgerInstruments.commitDurationName] = Self.fastBuckets
        factory.valueHistogramBuckets[LedgerInstruments.batchSizeName] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 4096]
        self.factory = factory
    }

    /// 0.5 ms … 10 s: gateway work and local commits are sub-millisecond to milliseconds; partners take longer.
    static let fastBuckets: [Duration] = [
        .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10), .milliseconds(25),
        .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500), .seconds(1), .milliseconds(2500),
        .seconds(5), .seconds(10),
    ]

    // MARK: - Names

    static func name(_ metric: String, _ unit: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "mingate", metricName: metric, unitName: unit, helpText: help)
    }

    static var requests: MetricNameDescriptor { name("requests", "total", "Partner calls decided, by partner, purpose, caller and decision (forwarded or refused).") }
    static var refusals: MetricNameDescriptor { name("refusals", "total", "Refused partner calls by reason code; partner, purpose and caller are '-' when not known from the policy.") }
    static var requestDuration: MetricNameDescriptor { name("request_duration", "seconds", "Time from a partner call's arrival to its answer.") }
    static var partnerResponses: MetricNameDescriptor { name("partner_responses", "total", "Partner answers by status class (2xx…5xx), or 'error' when no answer came.") }
    static var partnerDuration: MetricNameDescriptor { name("partner_request_duration", "seconds", "Time from sending to a partner until it answered or the call failed (gateway work excluded).") }
    static var partnerErrors: MetricNameDescriptor { name("partner_errors", "total", "Partner calls that got no usable answer, by reason code (partner_timeout, partner_unreachable, …).") }
    static var sentBytes: MetricNameDescriptor { name("partner_sent", "bytes_total", "Request body bytes sent to partners after minimisation.") }
    static var receivedBytes: MetricNameDescriptor { name("partner_received", "bytes_total", "Response body bytes received from partners.") }
    static var disclosedFields: MetricNameDescriptor { name("disclosed_fields", "total", "Fields sent to partners, per caller and route template.") }
    static var withheldFields: MetricNameDescriptor { name("withheld_fields", "total", "Fields a caller sent that the allowlist withheld, per caller and route template.") }
    static var witnessSubmissions: MetricNameDescriptor {
        name("witness_submissions", "total", "Checkpoints offered to a witness, by answer: cosigned, conflict, inconsistent (a fork?), unreachable, bad_cosignature, http_NNN.")
    }
    static var consentErrors: MetricNameDescriptor { name("consent_store_errors", "total", "Consent lookups that failed (the call was refused with consent_unavailable).") }
    static var policyInfo: MetricNameDescriptor { name("policy", "info", "The policy version in force (value 1).") }
    static var reloads: MetricNameDescriptor { name("policy_reloads", "total", "Policy reloads by result (succeeded, failed).") }
    static var openConnections: MetricNameDescriptor { name("open", "connections", "Client connections open now.") }
    static var refusedConnections: MetricNameDescriptor { name("refused_connections", "total", "Client connections refused by the connection cap.") }
    static var ledgerUp: MetricNameDescriptor { name("ledger_up", "", "1 when the last ledger store call succeeded, else 0.") }
    static var ledgerQueue: MetricNameDescriptor { name("ledger_queue_depth", "entries", "Entries queued for the ledger and not yet committed.") }
    static var ledgerSize: MetricNameDescriptor { name("ledger_size", "entries", "Entries in the ledger's Merkle tree.") }
    static var ledgerUnsigned: MetricNameDescriptor { name("ledger_unsigned", "entries", "Entries committed and not yet covered by a signed checkpoint.") }
    static var ledgerCheckpointTime: MetricNameDescriptor { name("ledger_last_checkpoint_timestamp", "seconds", "Unix time of the last signed checkpoint this process stored (0: none yet).") }

    // MARK: - Recording

    /// The series of one call's label set, made once. The registry validates the name and every label and takes
    /// its lock on each `make` call; a request should pay one dictionary lookup instead. Keys are label sets, so
    /// the caches are exactly as bounded as the series.
    private struct CallKey: Hashable, Sendable {
        let partner, purpose, caller, decision: String
        let route: String?
    }

    private struct CallSeries: Sendable {
        let requests: Counter
        let duration: DurationHistogram
        let disclosed: Counter?
        let withheld: Counter?
    }

    private struct PartnerKey: Hashable, Sendable {
        let partner, outcome: String
    }

    private struct PartnerSeries: Sendable {
        let responses: Counter
        let duration: DurationHistogram
        let sent: Counter
        let received: Counter
        /// `partner_errors_total{reason}` when the outcome is an error code.
        let errors: Counter?
    }

    private struct RefusalKey: Hashable, Sendable {
        let partner, purpose, caller, reason: String
    }

    private let calls = SeriesCache<CallKey, CallSeries>()
    private let partners = SeriesCache<PartnerKey, PartnerSeries>()
    private let refusalCounters = SeriesCache<RefusalKey, Counter>()

    /// One partner call (or erasure request) decided and, if forwarded, answered or failed.
    func decided(_ disclosure: Disclosure, refusal: Refusal.Code?, duration: Duration) {
        let key = CallKey(
            partner: disclosure.partner ?? "-", purpose: disclosure.purpose ?? "-", caller: disclosure.caller ?? "-",
            decision: refusal == nil ? "forwarded" : "refused", route: disclosure.decision == .forward ? disclosure.route : nil)
        let series = calls.get(key) {
            let fields = key.route.map { [("caller", key.caller), ("partner", key.partner), ("purpose", key.purpose), ("route", $0)] }
            return CallSeries(
                requests: registry.makeCounter(
                    descriptor: Self.requests,
                    labels: [("partner", key.partner), ("purpose", key.purpose), ("caller", key.caller), ("decision", key.decision)]),
                duration: registry.makeDurationHistogram(
                    descriptor: Self.requestDuration,
                    labels: [("partner", key.partner), ("purpose", key.purpose), ("decision", key.decision)], buckets: Self.fastBuckets),
                disclosed: fields.map { registry.makeCounter(descriptor: Self.disclosedFields, labels: $0) },
                withheld: fields.map { registry.makeCounter(descriptor: Self.withheldFields, labels: $0) })
        }
        series.requests.increment()
        series.duration.record(duration)
        series.disclosed?.increment(by: Int64(disclosure.disclosed.count))
        series.withheld?.increment(by: Int64(disclosure.withheld.count))
        if let refusal {
            refused(reason: refusal.rawValue, partner: key.partner, purpose: key.purpose, caller: key.caller)
        }
    }

    /// A refusal by reason; also used for callers that could not be identified (partner from the policy or `-`).
    func refused(reason: String, partner: String, purpose: String = "-", caller: String = "-") {
        let key = RefusalKey(partner: partner, purpose: purpose, caller: caller, reason: reason)
        refusalCounters.get(key) {
            registry.makeCounter(
                descriptor: Self.refusals,
                labels: [("partner", partner), ("purpose", purpose), ("caller", caller), ("reason", reason)])
        }.increment()
    }

    /// A call that reached a partner: its status class, sizes and time.
    func partnerAnswered(partner: String, status: Int, sent: Int, received: Int, duration: Duration) {
        let series = partnerSeries(partner, outcome: (100...599).contains(status) ? "\(status / 100)xx" : "other", error: nil)
        series.responses.increment()
        series.duration.record(duration)
        series.sent.increment(by: Int64(sent))
        series.received.increment(by: Int64(received))
    }

    /// A call that got no usable answer from the partner.
    func partnerFailed(partner: String, reason: Refusal.Code, sent: Int, duration: Duration) {
        let series = partnerSeries(partner, outcome: reason.rawValue, error: reason.rawValue)
        series.responses.increment()
        series.errors?.increment()
        series.duration.record(duration)
        series.sent.increment(by: Int64(sent))
    }

    private func partnerSeries(_ partner: String, outcome: String, error: String?) -> PartnerSeries {
        partners.get(PartnerKey(partner: partner, outcome: outcome)) {
            PartnerSeries(
                responses: registry.makeCounter(
                    descriptor: Self.partnerResponses, labels: [("partner", partner), ("status_class", error == nil ? outcome : "error")]),
                duration: registry.makeDurationHistogram(
                    descriptor: Self.partnerDuration, labels: [("partner", partner)], buckets: Self.fastBuckets),
                sent: registry.makeCounter(descriptor: Self.sentBytes, labels: [("partner", partner)]),
                received: registry.makeCounter(descriptor: Self.receivedBytes, labels: [("partner", partner)]),
                errors: error.map { registry.makeCounter(descriptor: Self.partnerErrors, labels: [("partner", partner), ("reason", $0)]) })
        }
    }

    func witnessSubmission(witness: String, outcome: String) {
        registry.makeCounter(descriptor: Self.witnessSubmissions, labels: [("witness", witness), ("outcome", outcome)]).increment()
    }

    func consentStoreFailed() {
        registry.makeCounter(descriptor: Self.consentErrors).increment()
    }

    /// The version in force: one `mingate_policy_info` series, replaced (not added to) by a reload.
    func policyInForce(_ version: String) {
        policyVersion.withLockedValue { current in
            guard current.version != version else { return }
            if let old = current.gauge { registry.unregisterGauge(old) }
            let gauge = registry.makeGauge(descriptor: Self.policyInfo, labels: [("version", version)])
            gauge.set(Int64(1))
            current = (version, gauge)
        }
    }

    func reloaded(succeeded: Bool) {
        registry.makeCounter(descriptor: Self.reloads, labels: [("result", succeeded ? "succeeded" : "failed")]).increment()
    }

    // MARK: - Scraping

    /// The exposition text, with the gauges read from the writer and the connection counter now.
    func exposition(ledger: LedgerWriter, connections: ConnectionCounter) -> [UInt8] {
        registry.makeGauge(descriptor: Self.ledgerUp).set(Int64(ledger.isHealthy ? 1 : 0))
        registry.makeGauge(descriptor: Self.ledgerQueue).set(Int64(ledger.queueDepth))
        registry.makeGauge(descriptor: Self.ledgerSize).set(ledger.size)
        registry.makeGauge(descriptor: Self.ledgerUnsigned).set(ledger.unsignedEntries)
        registry.makeGauge(descriptor: Self.ledgerCheckpointTime).set(ledger.lastCheckpointAt?.timeIntervalSince1970 ?? 0)
        registry.makeGauge(descriptor: Self.openConnections).set(Int64(connections.current))
        let total = connections.refused
        let delta = refusedConnectionsSeen.withLockedValue { seen in
            defer { seen = max(seen, total) }
            return max(0, total - seen)
        }
        if delta > 0 { registry.makeCounter(descriptor: Self.refusedConnections).increment(by: Int64(delta)) }
        return registry.emitToBuffer()
    }
}

/// Values made once per key, under one lock.
private final class SeriesCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private let values = NIOLockedValueBox<[Key: Value]>([:])

    func get(_ key: Key, make: () -> Value) -> Value {
        values.withLockedValue { values in
            if let value = values[key] { return value }
            let value = make()
            values[key] = value
            return value
        }
    }
}

extension Histogram where Value == Duration {
    func record(_ duration: Duration) { recordNanoseconds(duration.wholeNanoseconds) }
}
