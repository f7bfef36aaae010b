import Foundation
import Logging
import MingateLedger
import MingatePolicy
import NIOConcurrencyHelpers
import ServiceLifecycle

/// Partner calls refused before their caller was identified are recorded, but not one entry each: they are counted
/// per window, reason, source (a keyed digest of the client address) and target partner, and each window is
/// appended as `refusals` entries (`docs/ledger-format.md`). Four anonymous clients can then add at most a few
/// entries per window, whatever their rate. At most `maxKeys` distinct keys are kept per window; the rest are
/// counted under the source `other`.
public final class UnidentifiedRefusals: Service, Sendable {
    struct Key: Hashable {
        let reason: String
        let source: String
        let partner: String?
    }

    private struct Window {
        var start: Date
        var counts: [Key: Int] = [:]
    }

    private let current: NIOLockedValueBox<Window>
    private let ledger: LedgerWriter
    private let window: Duration
    private let maxKeys: Int
    private let clock: @Sendable () -> Date

    public init(
        ledger: LedgerWriter, window: Duration = .seconds(10), maxKeys: Int = 1000,
        clock: @escaping @Sendable () -> Date = { Date() }
    ) {
        self.ledger = ledger
        self.window = window
        self.maxKeys = maxKeys
        self.clock = clock
        self.current = NIOLockedValueBox(Window(start: clock()))
    }

    /// Counts one refusal. `source` is already a keyed digest.
    public func count(reason: String, source: String, partner: String?) {
        current.withLockedValue { window in
            var key = Key(reason: reason, source: source, partner: partner)
            if window.counts[key] == nil && window.counts.count >= maxKeys {
                key = Key(reason: reason, source: "other", partner: nil)
            }
            window.counts[key, default: 0] += 1
        }
    }

    /// Appends the window's counts to the ledger (without waiting for the commit) and starts a new window.
    public func flush() {
        let now = clock()
        let taken = current.withLockedValue { window -> Window in
            defer { window = Window(start: now) }
            return window
        }
        let start = LedgerEncoding.timestamp(taken.start)
        let seconds = Int(window.components.seconds)
        for (key, count) in taken.counts.sorted(by: { ($0.key.reason, $0.key.source) < ($1.key.reason, $1.key.source) }) {
            ledger.record(
                .refusals(
                    RefusalSummary(
                        windowStart: start, windowSeconds: seconds, reason: key.reason, source: key.source,
                        partner: key.partner, count: count)))
        }
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.window)
                self.flush()
            }
        }
        // The last, partial window: written before the ledger (which shuts down after this service) stops.
        flush()
    }
}
