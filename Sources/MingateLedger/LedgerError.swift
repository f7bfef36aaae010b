/// A ledger failure. Equal by code; the message is for operators and never holds a payload value.
public struct LedgerError: Error, Sendable, Equatable, CustomStringConvertible {
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The store cannot be reached or opened.
        public static let storeUnavailable = Code(rawValue: "store_unavailable")
        /// A write or read failed (disk full, constraint, I/O error).
        public static let storeFailed = Code(rawValue: "store_failed")
        /// The writer is shutting down and takes no more entries.
        public static let closed = Code(rawValue: "ledger_closed")
        /// A ledger URL that names no known store.
        public static let badURL = Code(rawValue: "bad_ledger_url")
        /// A key file that is not a signed-note Ed25519 key.
        public static let badKey = Code(rawValue: "bad_key")
        /// A checkpoint or proof that does not parse.
        public static let badCheckpoint = Code(rawValue: "bad_checkpoint")
        /// The ledger key given is not the one the ledger was written with, or cannot be checked.
        public static let keyMismatch = Code(rawValue: "ledger_key_mismatch")
        /// The ledger named does not exist (tools other than `serve` never create one).
        public static let noLedger = Code(rawValue: "no_ledger")
        /// No such record, or no checkpoint yet.
        public static let notFound = Code(rawValue: "not_found")
        /// A store's index column disagrees with the canonical entry beside it: the index was edited, and a query
        /// through it cannot be trusted until `audit verify` has named the record.
        public static let indexTampered = Code(rawValue: "ledger_index_tampered")
        /// Another writer (another gateway process or instance) holds this log: two writers would extend one tree
        /// from different states.
        public static let originHeld = Code(rawValue: "ledger_origin_held")
        /// A search position (`after`) that names no place in the store: a bare sequence number in a store of
        /// several logs.
        public static let badPosition = Code(rawValue: "bad_position")
        /// The checkpoint key names another origin than the log's stored checkpoints: signing would mix two logs.
        public static let originMismatch = Code(rawValue: "ledger_origin_mismatch")
        /// A version 2 decision names a shape entry the log does not hold: the record cannot be read whole, so it is
        /// not read at all (`audit verify` names it).
        public static let shapeMissing = Code(rawValue: "ledger_shape_missing")
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: LedgerError, rhs: LedgerError) -> Bool { lhs.code == rhs.code }

    public var description: String { "\(code.rawValue): \(message)" }
}
