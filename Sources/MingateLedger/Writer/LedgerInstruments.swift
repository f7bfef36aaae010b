import CoreMetrics
import Foundation

/// What the writer measures as it commits, through swift-metrics with the factory it is given (the gateway passes
/// its Prometheus registry's; tools and tests get no-op handlers). Gauges that describe state (up, queue depth,
/// entries not yet under a signed checkpoint) are read from the writer when scraped, not pushed from here.
public struct LedgerInstruments: Sendable {
    /// `mingate_ledger_commit_duration_seconds`: one store commit, whether it succeeded or not.
    let commitDuration: CoreMetrics.Timer
    /// `mingate_ledger_commit_batch_size`: entries per commit.
    let batchSize: Recorder
    /// `mingate_ledger_commit_failures_total`.
    let failures: Counter
    /// `mingate_ledger_checkpoints_total`: signed checkpoints stored.
    let checkpoints: Counter

    public static let commitDurationName = "mingate_ledger_commit_duration_seconds"
    public static let batchSizeName = "mingate_ledger_commit_batch_size"

    public init(factory: any MetricsFactory) {
        commitDuration = CoreMetrics.Timer(label: Self.commitDurationName, dimensions: [], factory: factory)
        batchSize = Recorder(label: Self.batchSizeName, dimensions: [], aggregate: true, factory: factory)
        failures = Counter(label: "mingate_ledger_commit_failures_total", dimensions: [], factory: factory)
        checkpoints = Counter(label: "mingate_ledger_checkpoints_total", dimensions: [], factory: factory)
    }

    /// Handlers that record nothing.
    public static let none = LedgerInstruments(factory: NOOPMetricsHandler.instance)
}

extension CoreMetrics.Timer {
    /// Records a `Duration` at nanosecond precision.
    func record(_ duration: Duration) { recordNanoseconds(duration.wholeNanoseconds) }
}

extension Duration {
    /// The duration in whole nanoseconds (what timers, histograms and NIO's `TimeAmount` take).
    public var wholeNanoseconds: Int64 { components.seconds * 1_000_000_000 + components.attoseconds / 1_000_000_000 }

    /// The duration in whole milliseconds.
    public var wholeMilliseconds: Int64 { wholeNanoseconds / 1_000_000 }

    /// The duration in seconds, for figures people read.
    public var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
