import Yams

/// The shape of a policy file, used to report unknown keys (a typo like `bdy:` must not silently drop an
/// allowlist) and to find the line of a place inside a file.
indirect enum YAMLSchema: Sendable {
    case scalar
    case object([String: YAMLSchema])
    /// A mapping whose keys are free (partner purposes, categories, callers), all values of one shape.
    case map(YAMLSchema)
    case list(YAMLSchema)

    /// Every key in `node` the schema does not know, with its line and dotted place.
    func unknownKeys(in node: Node, place: String = "") -> [(place: String, line: Int?)] {
        var found: [(String, Int?)] = []
        switch (self, node) {
        case (.object(let fields), .mapping(let mapping)):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                let here = place.isEmpty ? name : "\(place).\(name)"
                if let field = fields[name] {
                    found += field.unknownKeys(in: value, place: here)
                } else {
                    found.append((here, key.mark?.line))
                }
            }
        case (.map(let element), .mapping(let mapping)):
            for (key, value) in mapping {
                let name = key.string ?? "?"
                found += element.unknownKeys(in: value, place: place.isEmpty ? name : "\(place).\(name)")
            }
        case (.list(let element), .sequence(let sequence)):
            for (offset, value) in sequence.enumerated() {
                found += element.unknownKeys(in: value, place: "\(place)[\(offset)]")
            }
        default: break
        }
        return found
    }
}

extension Node {
    /// The line of the node at a dotted place (`purposes.payment.body.json[2].path`), or the nearest parent's.
    func line(at place: String) -> Int? {
        var node = self
        var line = mark?.line
        for step in YAMLPlace.steps(place) {
            switch step {
            case .key(let key):
                guard case .mapping(let mapping) = node,
                    let pair = mapping.first(where: { $0.key.string == key })
                else { return line }
                line = pair.key.mark?.line ?? line
                node = pair.value
            case .index(let index):
                guard case .sequence(let sequence) = node, index < sequence.count else { return line }
                node = sequence[index]
                line = node.mark?.line ?? line
            }
        }
        return line
    }
}

enum YAMLPlace {
    enum Step {
        case key(String)
        case index(Int)
    }

    static func steps(_ place: String) -> [Step] {
        var steps: [Step] = []
        for part in place.split(separator: ".", omittingEmptySubsequences: true) {
            var rest = Substring(part)
            if let bracket = rest.firstIndex(of: "[") {
                let key = rest[..<bracket]
                if !key.isEmpty { steps.append(.key(String(key))) }
                rest = rest[bracket...]
                while rest.hasPrefix("["), let close = rest.firstIndex(of: "]") {
                    if let index = Int(rest[rest.index(after: rest.startIndex)..<close]) { steps.append(.index(index)) }
                    rest = rest[rest.index(after: close)...]
                }
            } else {
                steps.append(.key(String(rest)))
            }
        }
        return steps
    }
}
