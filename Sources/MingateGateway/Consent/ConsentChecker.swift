import Foundation
import MingateLedger
import MingatePolicy
import NIOPosix

/// Looks up consents at the gate, with a store connection of its own on the blocking thread pool. No cache: a
/// withdrawal takes effect for the very next request.
final class ConsentChecker: @unchecked Sendable {
    private let lock = NSLock()
    private let ledgerURL: String
    private var store: (any ConsentStore & ErasureLog)?

    init(ledgerURL: String) {
        self.ledgerURL = ledgerURL
    }

    /// The first consent the disclosure needs and the store does not show granted; nil when all are there.
    func firstMissing(_ disclosure: Disclosure) async throws -> ConsentNeed? {
        guard let subjectKey = disclosure.subjectKey, let partner = disclosure.partner, let purpose = disclosure.purpose else {
            return disclosure.consentNeeds.first
        }
        let needs = disclosure.consentNeeds
        return try await NIOThreadPool.singleton.runIfActive { [self] in
            try withStore { store in
                for need in needs {
                    let kind = ConsentEvent.Kind(rawValue: need.rawValue) ?? .purpose
                    if !(try store.isGranted(subjectKey: subjectKey, partner: partner, purpose: purpose, kind: kind)) { return need }
                }
                return nil
            }
        }
    }

    func record(_ event: ConsentEvent) async throws {
        try await NIOThreadPool.singleton.runIfActive { [self] in try withStore { try $0.record(event) } }
    }

    func history(subjectKey: String) async throws -> [ConsentEvent] {
        try await NIOThreadPool.singleton.runIfActive { [self] in try withStore { try $0.history(subjectKey: subjectKey) } }
    }

    func recordErasure(_ status: ErasureStatus) async throws {
        try await NIOThreadPool.singleton.runIfActive { [self] in try withStore { try $0.record(status) } }
    }

    func erasures(subjectKey: String) async throws -> [ErasureStatus] {
        try await NIOThreadPool.singleton.runIfActive { [self] in try withStore { try $0.currentErasures(subjectKey: subjectKey) } }
    }

    private func withStore<T>(_ body: (any ConsentStore & ErasureLog) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        if store == nil { store = try LedgerURL(ledgerURL).openConsents() }
        do {
            return try body(store!)
        } catch {
            store = nil
            throw error
        }
    }
}
