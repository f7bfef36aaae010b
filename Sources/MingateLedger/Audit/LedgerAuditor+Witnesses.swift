/// What `audit verify --witness KEY…` adds: that independent witnesses cosigned this log's own checkpoints.
extension LedgerAuditor {
    public struct WitnessReport: Sendable {
        /// The largest checkpoint size that every witness given cosigned; nil when some witness cosigned none.
        public var size: Int?
        /// Per witness, the largest size it cosigned (valid cosignatures only).
        public var latest: [(witness: String, size: Int)] = []
        public var problems: [Problem] = []
    }

    /// Checks every kept cosignature of the given witnesses against the log's own checkpoint of that size (under
    /// the log's key): a cosignature that does not verify means the witness cosigned another checkpoint of that
    /// size (it saw another history) or the row was edited. A witness with no valid cosignature fails too. Rows of
    /// other witnesses are ignored.
    public func witnessed(_ store: any LedgerStore, by witnesses: [CosignatureVerifier]) throws(LedgerError) -> WitnessReport {
        var report = WitnessReport()
        let stored = try store.cosignatures()
        var texts: [Int: String?] = [:]
        func checkpointText(_ size: Int) throws(LedgerError) -> String? {
            if let known = texts[size] { return known }
            let note = try store.checkpoints(from: size, limit: 1).first { $0.size == size }?.note
            let text = note.flatMap { verifier.verify($0) }
            texts[size] = text
            return text
        }
        for witness in witnesses {
            var best: Int?
            for cosignature in stored where cosignature.witness == witness.name {
                guard let text = try checkpointText(cosignature.size) else {
                    report.problems.append(Problem(sequence: nil, message: "witness \(witness.name) cosigned size \(cosignature.size), but this log has no checkpoint of that size under its key"))
                    continue
                }
                guard witness.timestamp(of: cosignature.line, checkpointText: text) != nil else {
                    report.problems.append(Problem(
                        sequence: nil,
                        message: "witness \(witness.name)'s cosignature at size \(cosignature.size) does not verify over this log's checkpoint: the witness saw another history, or the row was edited"))
                    continue
                }
                best = max(best ?? 0, cosignature.size)
            }
            if let best {
                report.latest.append((witness.name, best))
            } else {
                report.problems.append(Problem(sequence: nil, message: "no checkpoint of this log is cosigned by witness \(witness.name)"))
            }
        }
        report.size = report.latest.count == witnesses.count ? report.latest.map(\.size).min() : nil
        return report
    }
}
