import NIOConcurrencyHelpers

/// The policy in force, swapped whole on reload; a request keeps the one it started with.
public final class PolicyHolder: Sendable {
    private let box: NIOLockedValueBox<LoadedPolicy>

    public init(_ policy: LoadedPolicy) {
        box = NIOLockedValueBox(policy)
    }

    public var current: LoadedPolicy { box.withLockedValue { $0 } }

    public func replace(with policy: LoadedPolicy) {
        box.withLockedValue { $0 = policy }
    }
}
