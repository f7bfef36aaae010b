import Foundation

/// Names that are never disclosed: CVV, passwords, OTPs, PINs. A name is denied when its words contain a listed
/// word, so every way of writing one is caught: `cvv`, `CVV`, `card_cvv`, `cvv_code`, `cardCvv`, `pinCode`, `mPin`,
/// `otpCode`, `password_hash`, `cvv2`, and full-width or other compatibility spellings (`ｃｖｖ`).
///
/// A name is cut into words at `_`, `-`, `.` and spaces, at a lower-case letter or digit followed by a capital
/// (`cardCvv` → card, cvv), at the last capital of a run followed by a lower-case letter (`OTPCode` → otp, code), and
/// between letters and digits (`pin1` → pin, 1). Words are compared lower-cased after NFKC. A listed entry of several
/// words (`security_answer`) matches those words in a row (`securityAnswer`, `SECURITY-ANSWER`). Words inside a word
/// are not cut out: `spinner`, `opinion` and `pincode` are not `pin`.
public struct DenyList: Sendable {
    /// The listed entries, folded (lower case, without separators): what a policy file says.
    public let words: [String]
    /// The folded entries as bytes.
    private let wordBytes: [[UInt8]]

    public init(words: [String]) {
        self.words = words.map(Self.fold)
        self.wordBytes = self.words.map { Array($0.utf8) }
    }

    static func fold(_ name: String) -> String {
        String(name.precomposedStringWithCompatibilityMapping.lowercased().filter { !"_-. ".contains($0) })
    }

    /// Whether a member, field or header name is denied. Called for every member of every body: ASCII names (nearly
    /// all) are cut and folded in a stack buffer with no string allocated; other names are NFKC-folded first.
    public func denies(_ name: String) -> Bool {
        var utf8 = name
        if let answer = utf8.withUTF8({ Self.denies($0, wordBytes) }) { return answer }
        // Not ASCII (or very long): compatibility-fold, then take the same path when that made it ASCII.
        var folded = name.precomposedStringWithCompatibilityMapping
        if let answer = folded.withUTF8({ Self.denies($0, wordBytes) }) { return answer }
        return deniesGeneral(folded)
    }

    /// nil when the name is not ASCII or longer than 128 bytes.
    static func denies(_ bytes: UnsafeBufferPointer<UInt8>, _ words: [[UInt8]]) -> Bool? {
        let count = bytes.count
        guard count <= 128 else { return nil }
        return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 128) { folded -> Bool? in
            withUnsafeTemporaryAllocation(of: Int.self, capacity: 130) { starts -> Bool? in
                // folded[0..<length]: the name lower-cased without separators; starts[0..<boundaries]: where its
                // words begin in `folded`, then `length` itself.
                var length = 0
                var boundaries = 0
                var previous: UInt8 = 0x20
                for index in 0..<count {
                    let byte = bytes[index]
                    guard byte < 0x80 else { return nil }
                    if byte == 0x5F || byte == 0x2D || byte == 0x2E || byte == 0x20 {
                        previous = 0x20
                        continue
                    }
                    let next: UInt8 = index + 1 < count ? bytes[index + 1] : 0x20
                    if Self.startsWord(byte, after: previous, before: next) {
                        starts[boundaries] = length
                        boundaries += 1
                    }
                    folded[length] = Self.isUpper(byte) ? byte + 0x20 : byte
                    length += 1
                    previous = byte
                }
                starts[boundaries] = length
                return Self.matches(folded, length: length, starts: starts, boundaries: boundaries, words)
            }
        }
    }

    static func isUpper(_ byte: UInt8) -> Bool { byte >= 0x41 && byte <= 0x5A }
    static func isLower(_ byte: UInt8) -> Bool { byte >= 0x61 && byte <= 0x7A }
    static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// Whether `byte` begins a word, given the byte before it (a space after a separator or at the start) and after.
    static func startsWord(_ byte: UInt8, after previous: UInt8, before next: UInt8) -> Bool {
        if previous == 0x20 { return true }
        if isDigit(byte) != isDigit(previous) { return true }
        if isUpper(byte) && (isLower(previous) || isDigit(previous)) { return true }
        if isUpper(byte) && isUpper(previous) && isLower(next) { return true }
        return false
    }

    /// Whether a listed entry equals the words from one boundary to a later one.
    static func matches(
        _ folded: UnsafeMutableBufferPointer<UInt8>, length: Int, starts: UnsafeMutableBufferPointer<Int>,
        boundaries: Int, _ words: [[UInt8]]
    ) -> Bool {
        for word in words {
            for start in 0..<boundaries {
                let from = starts[start]
                let end = from + word.count
                guard end <= length else { break }
                // The entry must end where a word ends.
                var endsAtBoundary = false
                for later in (start + 1)...boundaries where starts[later] == end {
                    endsAtBoundary = true
                    break
                }
                guard endsAtBoundary else { continue }
                var equal = true
                for offset in 0..<word.count where folded[from + offset] != word[offset] {
                    equal = false
                    break
                }
                if equal { return true }
            }
        }
        return false
    }

    /// Names that are still not ASCII after NFKC: cut at separators and case changes by scalar properties.
    func deniesGeneral(_ name: String) -> Bool {
        var pieces: [String] = []
        var current = ""
        var previous: Unicode.Scalar?
        for scalar in name.unicodeScalars {
            if "_-. ".unicodeScalars.contains(scalar) {
                if !current.isEmpty { pieces.append(current) }
                current = ""
                previous = nil
                continue
            }
            let upper = scalar.properties.isUppercase
            let digit = scalar.properties.numericType != nil
            if let previous, !current.isEmpty,
                (upper && !previous.properties.isUppercase) || digit != (previous.properties.numericType != nil)
            {
                pieces.append(current)
                current = ""
            }
            current.unicodeScalars.append(scalar)
            previous = scalar
        }
        if !current.isEmpty { pieces.append(current) }
        let lowered = pieces.map { $0.lowercased() }
        for word in words {
            for start in lowered.indices {
                var joined = ""
                for piece in lowered[start...] {
                    joined += piece
                    if joined == word { return true }
                    if joined.count >= word.count { break }
                }
            }
        }
        return false
    }
}
