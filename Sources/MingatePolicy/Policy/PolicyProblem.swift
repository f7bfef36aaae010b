/// One thing wrong (or doubtful) in a policy file, with where it is.
public struct PolicyProblem: Sendable, Hashable, CustomStringConvertible {
    public enum Severity: String, Sendable, Hashable {
        case error, warning
    }

    public let severity: Severity
    public let file: String
    public let line: Int?
    /// A dotted place inside the file, like `purposes.payment.body.json[2].category`.
    public let place: String
    public let message: String

    public init(_ severity: Severity, file: String, line: Int?, place: String, message: String) {
        self.severity = severity
        self.file = file
        self.line = line
        self.place = place
        self.message = message
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        let at = place.isEmpty ? "" : " (\(place))"
        return "\(location): \(severity.rawValue): \(message)\(at)"
    }
}

/// A policy that did not load: every problem found, so one run shows the whole list.
public struct PolicyLoadError: Error, Sendable, CustomStringConvertible {
    public let problems: [PolicyProblem]

    public init(problems: [PolicyProblem]) {
        self.problems = problems
    }

    public var description: String {
        let errors = problems.filter { $0.severity == .error }
        return "policy invalid (\(errors.count) error(s)):\n" + problems.map { "  \($0)" }.joined(separator: "\n")
    }
}
