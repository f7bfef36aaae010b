/// A normalized path written as a walk goes down and up a document: one byte buffer, a step appended on the way
/// down and cut off on the way back, a `String` made only for a path that is recorded. The one place a normalized
/// path's text is written: `NormalizedPath.description` writes through it too.
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
        // `escape` gives the name itself back when there is nothing to escape: no copy.
        bytes.append(contentsOf: NormalizedPath.escape(name).utf8)
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
