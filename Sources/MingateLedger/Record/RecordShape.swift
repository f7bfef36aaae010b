import MingatePolicy

/// What a decision record of format version 2 names once instead of repeating: the recipient's static facts (legal
/// entity, country, legal basis, transfer basis), the route and policy version, and what was disclosed and withheld
/// as path templates with counts (`$['items'][*]['sku']` ×3). The log holds it as a `shape` entry, written in the
/// commit of the first record that has it; every later record with the same shape names that entry's sequence
/// number. Requests of one caller to one purpose mostly share a shape, so a record costs a few hundred bytes
/// instead of a few kilobytes (`docs/ledger-format.md`, version 2).
public struct RecordShape: Sendable, Hashable {
    /// One disclosed path template: how many nodes it stands for, their category and transform.
    /// Paths compare by their bytes (`ExactName`), not by `String`'s `==`: two Unicode spellings of one member name
    /// are two members to a partner's parser, so they are two shapes.
    public struct Field: Sendable, Hashable {
        public var path: String
        public var count: Int
        public var category: String
        public var transform: String

        public static func == (a: Field, b: Field) -> Bool {
            a.count == b.count && ExactName.equal(a.path, b.path) && ExactName.equal(a.category, b.category)
                && ExactName.equal(a.transform, b.transform)
        }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(ExactName(path))
            hasher.combine(count)
            hasher.combine(ExactName(category))
            hasher.combine(ExactName(transform))
        }
    }

    /// One withheld path template and how many subtrees or fields it stands for.
    public struct Withheld: Sendable, Hashable {
        public var path: String
        public var count: Int

        public static func == (a: Withheld, b: Withheld) -> Bool { a.count == b.count && ExactName.equal(a.path, b.path) }

        public func hash(into hasher: inout Hasher) {
            hasher.combine(ExactName(path))
            hasher.combine(count)
        }
    }

    public var partner: String?
    public var partnerLegalEntity: String?
    public var partnerCountry: String?
    public var purpose: String?
    public var legalBasis: String?
    public var transferBasis: String?
    public var method: String
    public var route: String?
    public var policyVersion: String
    public var disclosed: [Field]
    public var withheld: [Withheld]

    /// The shape of a decision: its static facts, and its paths as templates counted in first-seen order.
    public init(_ disclosure: Disclosure) {
        partner = disclosure.partner
        partnerLegalEntity = disclosure.partnerLegalEntity
        partnerCountry = disclosure.partnerCountry
        purpose = disclosure.purpose
        legalBasis = disclosure.legalBasis
        transferBasis = disclosure.transferBasis
        method = disclosure.method
        route = disclosure.route
        policyVersion = disclosure.policyVersion
        var fields: [Field] = []
        var fieldIndex: [Field: Int] = [:]
        for field in disclosure.disclosed {
            let key = Field(path: Self.template(field.path), count: 0, category: field.category, transform: field.transform)
            if let index = fieldIndex[key] {
                fields[index].count += 1
            } else {
                fieldIndex[key] = fields.count
                fields.append(Field(path: key.path, count: 1, category: key.category, transform: key.transform))
            }
        }
        var withheld: [Withheld] = []
        var withheldIndex: [ExactName: Int] = [:]
        for path in disclosure.withheld {
            let template = Self.template(path)
            if let index = withheldIndex[ExactName(template)] {
                withheld[index].count += 1
            } else {
                withheldIndex[ExactName(template)] = withheld.count
                withheld.append(Withheld(path: template, count: 1))
            }
        }
        self.disclosed = fields
        self.withheld = withheld
    }

    /// Whether `disclosure` has exactly this shape, as `RecordShape(disclosure) == self` would say, without building
    /// one: the static facts compared, then the paths' templates matched in order against this shape's groups.
    /// A shape of more than `matchLimit` groups on either side is not matched this way (the scan would grow with the
    /// square of a huge body's paths): nil, build and look it up instead.
    public func matches(_ disclosure: Disclosure) -> Bool? {
        guard disclosed.count <= Self.matchLimit, withheld.count <= Self.matchLimit else { return nil }
        guard partner == disclosure.partner, purpose == disclosure.purpose, method == disclosure.method,
            route == disclosure.route, policyVersion == disclosure.policyVersion,
            partnerLegalEntity == disclosure.partnerLegalEntity, partnerCountry == disclosure.partnerCountry,
            legalBasis == disclosure.legalBasis, transferBasis == disclosure.transferBasis
        else { return false }
        return withUnsafeTemporaryAllocation(of: Int.self, capacity: Self.matchLimit) { counts -> Bool in
            // Each path's template is made once, then compared with the groups.
            Self.grouped(disclosure.disclosed.lazy.map { (Self.template($0.path), $0) }, groups: disclosed.count, size: { disclosed[$0].count }, counts) {
                item, group in
                let (path, field) = item
                let shape = disclosed[group]
                return ExactName.equal(shape.path, path) && ExactName.equal(shape.category, field.category)
                    && ExactName.equal(shape.transform, field.transform)
            }
                && Self.grouped(disclosure.withheld.lazy.map(Self.template), groups: withheld.count, size: { withheld[$0].count }, counts) {
                    path, group in
                    ExactName.equal(withheld[group].path, path)
                }
        }
    }

    /// Whether `items`, grouped in first-seen order, are exactly `groups` groups of `size(group)` items each: each item
    /// belongs to a group already seen (`belongs(item, group)`) or opens the next one. `counts` is scratch room for
    /// `groups` numbers.
    private static func grouped<Items: Sequence>(
        _ items: Items, groups: Int, size: (Int) -> Int, _ counts: UnsafeMutableBufferPointer<Int>,
        belongs: (Items.Element, Int) -> Bool
    ) -> Bool {
        var opened = 0
        for item in items {
            if let seen = (0..<opened).first(where: { belongs(item, $0) }) {
                counts[seen] += 1
                continue
            }
            guard opened < groups, belongs(item, opened) else { return false }
            counts[opened] = 1
            opened += 1
        }
        return opened == groups && (0..<groups).allSatisfy { counts[$0] == size($0) }
    }

    static let matchLimit = 64

    /// A normalized path with every array index written `[*]`: `$['items'][2]['sku']` → `$['items'][*]['sku']`.
    /// Only index selectors change; a member name that looks like one (`$['a[0]']`) is left alone. Anything that is
    /// not a normalized path (`header:accept`) comes back as it was.
    public static func template(_ path: String) -> String {
        var path = path
        // Most paths have no index at all: they are their own template, without a copy.
        let indexed = path.withUTF8 { utf8 -> Bool in
            guard utf8.first == UInt8(ascii: "$"), utf8.count > 2 else { return false }
            for position in 0..<(utf8.count - 1) where utf8[position] == UInt8(ascii: "[") {
                if (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(utf8[position + 1]) { return true }
            }
            return false
        }
        guard indexed else { return path }
        let bytes = Array(path.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = 0
        var quoted = false
        while index < bytes.count {
            let byte = bytes[index]
            if quoted {
                out.append(byte)
                if byte == UInt8(ascii: "\\"), index + 1 < bytes.count {
                    out.append(bytes[index + 1])
                    index += 2
                    continue
                }
                if byte == UInt8(ascii: "'") { quoted = false }
                index += 1
                continue
            }
            if byte == UInt8(ascii: "'") { quoted = true }
            if byte == UInt8(ascii: "[") {
                var end = index + 1
                while end < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[end]) { end += 1 }
                if end > index + 1, end < bytes.count, bytes[end] == UInt8(ascii: "]") {
                    out.append(contentsOf: "[*]".utf8)
                    index = end + 1
                    continue
                }
            }
            out.append(byte)
            index += 1
        }
        return String(decoding: out, as: UTF8.self)
    }
}
