import ArgumentParser
import Crypto
import Foundation
import MingateLedger
import MingatePolicy

/// `--ledger` for every command but `serve`: the ledger must already exist (a misspelt path never creates a second,
/// empty database whose answers look like "nothing was shared"), and a ledger key given to compute subject keys must
/// be the one the ledger recorded.
struct LedgerOption: ParsableArguments {
    @Option(help: "The ledger: sqlite:PATH or postgres://user:password@host:port/database?origin=NAME (the sandbox's is sqlite:var/sandbox-ledger.sqlite).")
    var ledger: String = "sqlite:var/ledger.sqlite"

    func url() throws -> LedgerURL {
        let url: LedgerURL
        do { url = try LedgerURL(ledger) } catch { throw CommandFailure(error.description) }
        if case .sqlite(let path, _) = url, !FileManager.default.fileExists(atPath: path) {
            throw CommandFailure(
                "\(LedgerError.Code.noLedger.rawValue): no ledger at \(path) (only `mingate serve` creates one; "
                    + "the sandbox's is sqlite:var/sandbox-ledger.sqlite)")
        }
        return url
    }

    func open() throws -> any LedgerStore {
        do { return try url().open() } catch let error as LedgerError { throw CommandFailure(error.description) }
    }

    /// The subject's keyed hash under the ledger key in `keyEnv`, after checking that key against the ledger's
    /// recorded fingerprint: with any other key the answer would be empty, and wrong.
    func subjectKey(of subject: String, keyEnv: String) throws -> String {
        let store: any ConsentStore
        do { store = try url().openConsents() } catch let error as LedgerError { throw CommandFailure(error.description) }
        guard let key = ProcessInfo.processInfo.environment[keyEnv], !key.isEmpty else {
            throw CommandFailure("set \(keyEnv) to the gateway's ledger key (the sandbox's is `sandbox-not-a-secret:env:MINGATE_LEDGER_KEY`)")
        }
        if let problem = KeyedDigests.keyProblem(key, name: "ledger key in \(keyEnv)") { throw CommandFailure(problem) }
        let symmetric = SymmetricKey(data: Data(key.utf8))
        do {
            if let problem = LedgerKeyCheck.problem(
                recorded: try store.keyFingerprint(), key: KeyedDigests.ledgerKeyFingerprint(symmetric))
            {
                throw CommandFailure(problem.description)
            }
        } catch let error as LedgerError {
            throw CommandFailure(error.description)
        }
        return KeyedDigests.subjectKey(subject, ledgerKey: symmetric)
    }
}
