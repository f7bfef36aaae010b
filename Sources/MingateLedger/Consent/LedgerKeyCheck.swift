import Foundation

/// The ledger key checked against the fingerprint the ledger recorded when a gateway first ran on it. A subject key
/// computed with another key matches nothing, so a report made with it would be empty and wrong: every tool that
/// computes subject keys refuses instead.
public enum LedgerKeyCheck {
    /// Nil when `key` is the key the ledger recorded; the refusal otherwise.
    public static func problem(recorded: String?, key: String) -> LedgerError? {
        guard let recorded else {
            return LedgerError(
                .keyMismatch,
                "this ledger has no recorded key fingerprint, so the ledger key cannot be checked: start the gateway "
                    + "(mingate serve) on it once with its key, which records the fingerprint")
        }
        guard recorded == key else {
            return LedgerError(
                .keyMismatch,
                "the ledger key does not match the key this ledger was written with (the ledger recorded \(recorded), "
                    + "the key given has \(key)): subject keys computed with it would find nothing. Use the gateway's "
                    + "ledger key (ops/runbooks/key-rotation.md)")
        }
        return nil
    }
}
