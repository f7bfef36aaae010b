import AsyncHTTPClient
import Foundation
import Logging
import MingateLedger
import MingatePolicy
import NIOCore
import ServiceLifecycle

/// Sends each new signed checkpoint to the deployment's witnesses (c2sp.org/tlog-witness `add-checkpoint`), with a
/// consistency proof from the size the witness last cosigned, and keeps their cosignatures beside the checkpoint.
/// A witness that saw another history for this origin refuses (422): the platform cannot show auditors one history
/// and a regulator another without one witness noticing, and `mingate audit verify --witness KEY` requires the
/// cosignatures.
///
/// Runs every `interval` while the gateway runs; a witness that is down is tried again at the next round. What a
/// witness answered is logged with its status and counted in `mingate_witness_submissions_total`.
final class WitnessClient: Service, Sendable {
    let witnesses: [WitnessEndpoint]
    let log: any LedgerLog
    let interval: Duration
    let logger: Logger
    let metrics: GatewayMetrics

    init(witnesses: [WitnessEndpoint], log: any LedgerLog, interval: Duration, metrics: GatewayMetrics, logger: Logger) {
        self.witnesses = witnesses
        self.log = log
        self.interval = interval
        self.metrics = metrics
        self.logger = logger
    }

    func run() async throws {
        let client = HTTPClient(eventLoopGroupProvider: .singleton)
        await cancelWhenGracefulShutdown {
            // The size each witness last cosigned, as far as this gateway knows (nil: not asked yet).
            var cosigned: [Int?] = Array(repeating: nil, count: self.witnesses.count)
            while !Task.isCancelled {
                await self.round(client, &cosigned)
                try? await Task.sleep(for: self.interval)
            }
        }
        try? await client.shutdown()
    }

    /// Offers the latest checkpoint to every witness that has not cosigned it.
    func round(_ client: HTTPClient, _ cosigned: inout [Int?]) async {
        guard let latest = try? await log.latestCheckpoint() else { return }
        if cosigned.contains(where: { $0 == nil }), let stored = try? await log.cosignatures() {
            for (index, witness) in witnesses.enumerated() where cosigned[index] == nil {
                cosigned[index] = stored.filter { $0.witness == witness.verifier.name }.map(\.size).max() ?? 0
            }
        }
        for (index, witness) in witnesses.enumerated() {
            guard let known = cosigned[index], known < latest.size else { continue }
            cosigned[index] = await submit(latest, to: witness, from: known, client)
        }
    }

    /// Submits the checkpoint; returns the size the witness is now known to have cosigned.
    private func submit(_ checkpoint: StoredCheckpoint, to witness: WitnessEndpoint, from old: Int, _ client: HTTPClient) async -> Int {
        let name = witness.verifier.name
        let body: String
        do throws(LedgerError) {
            body = old == 0
                ? ConsistencyProof(oldSize: 0, proof: [], checkpointNote: checkpoint.note).text
                : try await log.consistency(from: old, to: checkpoint.size).text
        } catch {
            logger.warning("cannot prove consistency for a witness", metadata: ["witness": "\(name)", "ledger.error": "\(error)"])
            return old
        }
        var request = HTTPClientRequest(url: witness.url + "/add-checkpoint")
        request.method = .POST
        request.body = .bytes(ByteBuffer(string: body))
        let status: UInt
        let answer: String
        do {
            let response = try await client.execute(request, timeout: .seconds(10))
            status = response.status.code
            answer = String(buffer: try await response.body.collect(upTo: 65_536))
        } catch {
            metrics.witnessSubmission(witness: name, outcome: "unreachable")
            logger.warning("witness unreachable; trying again at the next round", metadata: ["witness": "\(name)"])
            return old
        }
        switch status {
        case 200:
            let text = (try? SignedNote(parsing: checkpoint.note))?.text ?? ""
            let lines = answer.split(separator: "\n").map { String($0) + "\n" }
            guard let line = lines.first(where: { witness.verifier.timestamp(of: $0, checkpointText: text) != nil }) else {
                metrics.witnessSubmission(witness: name, outcome: "bad_cosignature")
                logger.error("the witness answered without a valid cosignature under its key", metadata: ["witness": "\(name)"])
                return old
            }
            do throws(LedgerError) {
                try await log.appendCosignature(size: checkpoint.size, witness: name, line: line, at: Date())
            } catch {
                logger.warning("cannot keep a witness's cosignature; asking again", metadata: ["witness": "\(name)", "ledger.error": "\(error)"])
                return old
            }
            metrics.witnessSubmission(witness: name, outcome: "cosigned")
            return checkpoint.size
        case 409:
            // The witness cosigned another size for this origin: prove from that one next time.
            metrics.witnessSubmission(witness: name, outcome: "conflict")
            let size = TlogText.decimal(Substring(answer.trimmingCharacters(in: .newlines)))
            logger.notice("the witness knows another size of this log", metadata: ["witness": "\(name)", "witness.size": "\(size.map(String.init) ?? "?")"])
            guard let size, size <= checkpoint.size else {
                logger.critical(
                    "the witness has cosigned a LARGER tree of this origin than this log holds: another log signs under this origin, or this one lost records",
                    metadata: ["witness": "\(name)", "witness.size": "\(answer.prefix(24))"])
                return checkpoint.size
            }
            return size
        case 422:
            metrics.witnessSubmission(witness: name, outcome: "inconsistent")
            logger.critical(
                "the witness refused the checkpoint as inconsistent with the history it saw for this origin: the log may have forked",
                metadata: ["witness": "\(name)", "ledger.size": "\(checkpoint.size)", "witness.old": "\(old)"])
            return old
        default:
            metrics.witnessSubmission(witness: name, outcome: "http_\(status)")
            logger.error(
                "the witness refused the checkpoint", metadata: ["witness": "\(name)", "http.status": "\(status)", "witness.answer": "\(answer.prefix(200))"])
            return old
        }
    }
}
