import MingatePolicy

/// What an auditor sees first: disclosures over time by partner, by data category, refusals by reason and the share
/// of fields each caller had withheld, counted from decision records as `/audit/records` returns them.
///
/// It only counts: the caller pages through the ledger's own query and feeds each record to `add`, so the figures
/// cannot disagree with what a search shows.
public struct LedgerOverview: Sendable {
    public enum Bucket: String, Sendable, CaseIterable {
        case hour, day

        /// The bucket a record time falls in: `2026-11-25T10` or `2026-11-25`.
        func key(_ time: String) -> Substring { time.prefix(self == .hour ? 13 : 10) }
    }

    public struct Count: Sendable, Equatable {
        public let name: String
        public var count: Int
    }

    public struct CategoryCount: Sendable, Equatable {
        public let category: String
        public let sensitive: Bool
        /// Forwarded records that disclosed at least one field of this category.
        public var records: Int
    }

    public struct CallerShare: Sendable, Equatable {
        public let caller: String
        public var disclosed = 0
        public var withheld = 0
        /// Withheld fields as a share of all the fields the caller sent (0 when it sent none).
        public var share: Double { disclosed + withheld == 0 ? 0 : Double(withheld) / Double(disclosed + withheld) }
    }

    public let bucket: Bucket
    /// Every bucket from `since` to `until`, empty ones included, oldest first.
    public let buckets: [String]
    public private(set) var scanned = 0
    public private(set) var forwarded = 0
    public private(set) var refused = 0
    /// Per partner, forwarded records per bucket (aligned with `buckets`), partners by total, largest first.
    public var byPartner: [(partner: String, counts: [Int])] {
        partnerCounts.sorted { ($0.value.reduce(0, +), $1.key) > ($1.value.reduce(0, +), $0.key) }.map { ($0.key, $0.value) }
    }
    public var byCategory: [CategoryCount] {
        categories.values.sorted { ($0.records, $1.category) > ($1.records, $0.category) }
    }
    public var refusalsByReason: [Count] {
        reasons.map { Count(name: $0.key, count: $0.value) }.sorted { ($0.count, $1.name) > ($1.count, $0.name) }
    }
    public var withheldByCaller: [CallerShare] {
        callers.values.sorted { ($0.share, $1.caller) > ($1.share, $0.caller) }
    }

    private let sensitive: Set<String>
    private let index: [String: Int]
    private var partnerCounts: [String: [Int]] = [:]
    private var categories: [String: CategoryCount] = [:]
    private var reasons: [String: Int] = [:]
    private var callers: [String: CallerShare] = [:]

    /// `since` and `until` are RFC 3339 UTC times (`until` exclusive); `sensitive` names the specific categories.
    public init(since: String, until: String, bucket: Bucket, sensitive: Set<String>) {
        self.bucket = bucket
        self.sensitive = sensitive
        var buckets: [String] = []
        if let start = LedgerEncoding.date(since), let end = LedgerEncoding.date(until) {
            let step: Double = bucket == .hour ? 3600 : 86400
            var time = (start.timeIntervalSince1970 / step).rounded(.down) * step
            while time < end.timeIntervalSince1970 {
                buckets.append(String(bucket.key(LedgerEncoding.timestamp(.init(timeIntervalSince1970: time)))))
                time += step
            }
        }
        self.buckets = buckets
        self.index = Dictionary(buckets.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// Counts one decision record (outcome and refusal-count entries are not decisions and are skipped).
    public mutating func add(_ document: JSONValue) {
        guard document["kind"]?.stringValue == "disclosure" else { return }
        scanned += 1
        let caller = document["caller"]?.stringValue ?? "(unidentified)"
        guard document["decision"]?.stringValue == "forward" else {
            refused += 1
            reasons[document["reason"]?.stringValue ?? "?", default: 0] += 1
            return
        }
        forwarded += 1
        if let partner = document["partner"]?.stringValue, let time = document["time"]?.stringValue,
            let slot = index[String(bucket.key(time))]
        {
            partnerCounts[partner, default: Array(repeating: 0, count: buckets.count)][slot] += 1
        }
        var seen: Set<String> = []
        var disclosed = 0
        if case .array(let fields)? = document["disclosed"] {
            disclosed = Self.nodes(fields)
            for field in fields {
                guard let category = field["category"]?.stringValue, seen.insert(category).inserted else { continue }
                categories[category, default: CategoryCount(category: category, sensitive: sensitive.contains(category), records: 0)]
                    .records += 1
            }
        }
        var withheld = 0
        if case .array(let fields)? = document["withheld"] { withheld = Self.nodes(fields) }
        callers[caller, default: CallerShare(caller: caller)].disclosed += disclosed
        callers[caller, default: CallerShare(caller: caller)].withheld += withheld
    }
}

extension LedgerOverview {
    /// How many fields a `disclosed` or `withheld` list stands for: a version 2 template counts `count` nodes
    /// (`$['items'][*]['sku']` ×3), a version 1 path one.
    static func nodes(_ list: [JSONValue]) -> Int {
        list.reduce(0) { total, item in
            if case .number(let count)? = item["count"], let value = Int(count.text) { return total + value }
            return total + 1
        }
    }
}
