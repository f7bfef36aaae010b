import Foundation

/// Where ledger entries live. Used by one writer thread at a time; `append` is one durable commit.
public protocol LedgerStore: AnyObject {
    /// Appends the drafts in order as one durable transaction, or none of them; returns the entries written.
    func append(_ drafts: [LedgerDraft], at time: Date) throws(LedgerError) -> [LedgerEntry]
    /// Entries with sequence numbers in `range`, in order.
    func entries(in range: Range<Int64>) throws(LedgerError) -> [LedgerEntry]
    /// How many entries the log holds (the next sequence number).
    func size() throws(LedgerError) -> Int64
}

/// A ledger location as given to `--ledger`: `sqlite:PATH` (the embedded default).
public enum LedgerURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)

    public init(_ text: String) throws(LedgerError) {
        if text.hasPrefix("sqlite:"), text.count > 7 {
            self = .sqlite(path: String(text.dropFirst(7)))
        } else if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            throw LedgerError(.badURL, "the PostgreSQL store is not built yet; use sqlite:PATH")
        } else {
            throw LedgerError(.badURL, "a ledger URL is sqlite:PATH")
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        }
    }

    /// Opens the store this URL names, creating it when it does not exist.
    public func open() throws(LedgerError) -> any LedgerStore {
        switch self {
        case .sqlite(let path): try SQLiteLedgerStore(path: path)
        }
    }
}
