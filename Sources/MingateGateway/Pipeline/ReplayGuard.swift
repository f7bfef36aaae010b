import Foundation
import NIOConcurrencyHelpers

/// The hook messages accepted within their window, so a second copy is refused (`webhook_replayed`, 409).
///
/// Only messages whose signature was verified are remembered, so its size is bounded by what partners send in one
/// window, not by what an attacker sends. It lives in memory: a restart, or a second gateway instance, does not
/// know what this one accepted. Standard Webhooks messages carry a signed timestamp, so a copy older than the window
/// is refused anyway; for schemes without one (Midtrans, plain HMAC) a copy is recognised only within the window.
final class ReplayGuard: Sendable {
    private let seen = NIOLockedValueBox<State>(State())

    private struct State {
        var until: [String: Date] = [:]
        var claimsSincePrune = 0
    }

    /// Takes `key` until `until`; false when it is already taken (a replay). Expired keys are dropped as it goes.
    func claim(_ key: String, until: Date, now: Date) -> Bool {
        seen.withLockedValue { state in
            state.claimsSincePrune += 1
            if state.claimsSincePrune >= 1_024 {
                state.until = state.until.filter { $0.value > now }
                state.claimsSincePrune = 0
            }
            if let taken = state.until[key], taken > now { return false }
            state.until[key] = until
            return true
        }
    }

    /// Gives a key back: the message was not delivered, so the partner's retry must be accepted.
    func release(_ key: String) {
        _ = seen.withLockedValue { $0.until.removeValue(forKey: key) }
    }
}
