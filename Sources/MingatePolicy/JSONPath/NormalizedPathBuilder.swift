/// A normalized path written as a walk goes down and up a document: one byte buffer, a step appended on the way
/// down and cut off on the way back, a `String` made only for a path that is recorded. The same text as
/// `NormalizedPath.description`, without an array of elements copied at every step.
struct NormalizedPathBuilder {
    private(set) var bytes: [UInt8]

    init() {
        bytes = [UInt8(ascii: "$")]
        bytes.reserveCapacity(128)
    }

    /// Appends `['name']` (escaped as RFC 9535 §2.7 says) and returns where to cut back to.
    @inline(__always)
    mutating func push(name: String) -> Int {
        let mark = bytes.count
        bytes.append(UInt8(ascii: "["))
        bytes.append(UInt8(ascii: "'"))
        var name = name
        let plain = name.withUTF8 { utf8 -> Bool in
            if utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "'") || $0 == UInt8(ascii: "\\") }) { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if !plain { bytes.append(contentsOf: NormalizedPath.escape(name).utf8) }
        bytes.append(UInt8(ascii: "'"))
        bytes.append(UInt8(ascii: "]"))
        return mark
    }

    /// Appends `[index]` and returns where to cut back to.
    @inline(__always)
    mutating func push(index: Int) -> Int {
        let mark = bytes.count
        bytes.append(UInt8(ascii: "["))
        if index == 0 {
            bytes.append(UInt8(ascii: "0"))
        } else {
            let start = bytes.count
            var rest = index
            while rest > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
                rest /= 10
            }
            bytes[start...].reverse()
        }
        bytes.append(UInt8(ascii: "]"))
        return mark
    }

    @inline(__always)
    mutating func pop(to mark: Int) {
        bytes.removeLast(bytes.count - mark)
    }

    var text: String { String(decoding: bytes, as: UTF8.self) }
}
