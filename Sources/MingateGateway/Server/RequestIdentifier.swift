/// The gateway's id for a request: 96 random bits in 16 base64url characters (`Xq3_9aZ0b-LmN2pQ`).
///
/// It is the ledger's `request_id` (twice per forwarded request, and in two index columns), the `X-Request-Id` the
/// caller and the partner see, and `hb.request.id` in the log. Random, not a process prefix and a counter, so ids of
/// several instances and restarts never share a prefix; 96 bits make a repeat in 10^11 requests a 10^-8 chance, in
/// half the characters of a 128-bit hex id (the ledger's size per request is a target, `docs/ledger-format.md`).
enum RequestIdentifier {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)

    static func next() -> String {
        var generator = SystemRandomNumberGenerator()
        var bits = (generator.next() as UInt64, UInt64(generator.next() as UInt32))
        return String(unsafeUninitializedCapacity: 16) { out in
            for index in 0..<16 {
                // 16 × 6 = 96 bits: the 64 of the first word, then the 32 of the second.
                let value: UInt64
                if index < 10 {
                    value = bits.0 & 63
                    bits.0 >>= 6
                } else if index == 10 {
                    value = (bits.0 & 15) | ((bits.1 & 3) << 4)
                    bits.1 >>= 2
                } else {
                    value = bits.1 & 63
                    bits.1 >>= 6
                }
                out[index] = alphabet[Int(value)]
            }
            return 16
        }
    }
}
