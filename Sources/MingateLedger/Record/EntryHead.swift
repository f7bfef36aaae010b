import MingatePolicy

/// The top-level members of a canonical entry that its index columns, `audit verify` and a search by reason need
/// (`seq`, `v`, `shape`, `kind`, `time`, `request_id`, `partner`, `purpose`, `caller`, `subject_key`, `decision`,
/// `reason`), read in one pass over the bytes
/// without building a tree: nested values (`disclosed`, `withheld`…) are skipped structurally. Verifying a large log
/// spends most of its time here, so this is what lets `audit verify` read hundreds of thousands of records a second.
///
/// Strict where it reads: a top-level object of string keys; the wanted members strings, `null` or (for `seq`) a
/// non-negative integer; strings with escapes are decoded by the JSON parser. Anything it cannot read is nil: the
/// entry is then "unreadable" to `verify` and unmatched to a search.
struct EntryHead {
    var seq: Int64?
    /// The format version (`v`).
    var version: Int64?
    /// A version 2 decision's shape entry (`shape`).
    var shape: Int64?
    /// The string members, in the order of `Member`; nil when absent or `null`.
    var members: [String?] = Array(repeating: nil, count: Member.allCases.count)

    enum Member: Int, CaseIterable {
        case kind, time, requestID, partner, purpose, caller, subjectKey, decision, reason
    }

    static let wanted: [[UInt8]] = ["kind", "time", "request_id", "partner", "purpose", "caller", "subject_key", "decision", "reason"].map {
        Array($0.utf8)
    }

    subscript(_ member: Member) -> String? { members[member.rawValue] }

    init?(_ bytes: [UInt8]) {
        let parsed: EntryHead?? = bytes.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            return scanner.head()
        }
        guard let parsed = parsed ?? nil else { return nil }
        self = parsed
    }

    private init() {}

    struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0

        mutating func head() -> EntryHead? {
            var head = EntryHead()
            guard next() == UInt8(ascii: "{") else { return nil }
            if peek() == UInt8(ascii: "}") { return nil }
            while true {
                guard let key = stringRange() else { return nil }
                guard next() == UInt8(ascii: ":") else { return nil }
                let name = UnsafeBufferPointer(rebasing: bytes[key])
                if name.elementsEqual("seq".utf8) {
                    guard let value = integer() else { return nil }
                    head.seq = value
                } else if name.elementsEqual("v".utf8) {
                    guard let value = integer() else { return nil }
                    head.version = value
                } else if name.elementsEqual("shape".utf8), peek() != UInt8(ascii: "n") {
                    guard let value = integer() else { return nil }
                    head.shape = value
                } else if let member = EntryHead.wanted.firstIndex(where: { name.elementsEqual($0) }) {
                    if peek() == UInt8(ascii: "n") {
                        guard literal("null") else { return nil }
                    } else {
                        guard let value = string() else { return nil }
                        head.members[member] = value
                    }
                } else {
                    guard skipValue() else { return nil }
                }
                switch next() {
                case UInt8(ascii: ","): continue
                case UInt8(ascii: "}"): return index == bytes.count ? head : nil
                default: return nil
                }
            }
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func next() -> UInt8? {
            guard index < bytes.count else { return nil }
            defer { index += 1 }
            return bytes[index]
        }

        mutating func literal(_ text: StaticString) -> Bool {
            let count = text.utf8CodeUnitCount
            guard index + count <= bytes.count else { return false }
            for offset in 0..<count where bytes[index + offset] != text.utf8Start[offset] { return false }
            index += count
            return true
        }

        /// The range of a string's contents (between its quotes), escapes left as they are.
        mutating func stringRange() -> Range<Int>? {
            guard next() == UInt8(ascii: "\"") else { return nil }
            let start = index
            while index < bytes.count {
                switch bytes[index] {
                case UInt8(ascii: "\""):
                    index += 1
                    return start..<(index - 1)
                case UInt8(ascii: "\\"): index += 2
                case 0..<0x20: return nil
                default: index += 1
                }
            }
            return nil
        }

        mutating func string() -> String? {
            let before = index
            guard let range = stringRange() else { return nil }
            let contents = UnsafeBufferPointer(rebasing: bytes[range])
            if !contents.contains(UInt8(ascii: "\\")) { return String(decoding: contents, as: UTF8.self) }
            return (try? JSONParser().parse(Array(bytes[before..<index])))?.stringValue
        }

        mutating func integer() -> Int64? {
            var value: Int64 = 0
            var digits = 0
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) {
                let (times, overflow1) = value.multipliedReportingOverflow(by: 10)
                let (plus, overflow2) = times.addingReportingOverflow(Int64(byte - UInt8(ascii: "0")))
                guard !overflow1, !overflow2 else { return nil }
                value = plus
                digits += 1
                index += 1
            }
            return digits > 0 ? value : nil
        }

        /// Skips one value of any kind, checking only its structure.
        mutating func skipValue() -> Bool {
            var depth = 0
            repeat {
                guard let byte = peek() else { return false }
                switch byte {
                case UInt8(ascii: "\""):
                    guard stringRange() != nil else { return false }
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                    index += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    guard depth > 0 else { return false }
                    depth -= 1
                    index += 1
                case UInt8(ascii: ","), UInt8(ascii: ":"):
                    guard depth > 0 else { return false }
                    index += 1
                default:
                    // A number or a literal: up to the next delimiter.
                    let start = index
                    scan: while let next = peek() {
                        switch next {
                        case UInt8(ascii: ","), UInt8(ascii: "}"), UInt8(ascii: "]"), UInt8(ascii: ":"): break scan
                        case 0...0x20, UInt8(ascii: "\""): return false
                        default: index += 1
                        }
                    }
                    guard index > start else { return false }
                }
            } while depth > 0
            return true
        }
    }
}
