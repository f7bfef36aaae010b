import Crypto
import Foundation

/// Proves that a hook's message comes from its partner, by the partner's own scheme, and says how to recognise the
/// same message again (its replay key) and until when that matters. Pure: the clock is an argument.
///
/// A message is refused `webhook_signature_invalid` (401) when the proof is missing or wrong, and `webhook_replayed`
/// (409) when its signed timestamp is outside the window (it cannot be shown to be fresh). Whether it was seen
/// before is the edge's question (`ReplayGuard`), asked with the key this returns.
public enum HookSignature {
    /// What a verified message leaves for the replay check.
    public struct Proof: Sendable, Equatable {
        /// The same for every copy of one message: the Standard Webhooks id, else a digest of the signed bytes.
        public let replayKey: String
        /// Until when a copy is a replay to refuse (the end of the window).
        public let rememberUntil: Date
    }

    public static func verify(
        _ verification: HookVerification, secret: [UInt8], headers: [(name: String, value: String)], body: [UInt8], now: Date,
        maxJSONDepth: Int
    ) throws(Refusal) -> Proof {
        let window = TimeInterval(verification.windowSeconds)
        switch verification.scheme {
        case .midtrans:
            try midtrans(secret: secret, body: body, maxJSONDepth: maxJSONDepth)
            return Proof(replayKey: "body:" + KeyedDigests.hex(SHA256.hash(data: body)), rememberUntil: now + window)
        case .hmacSHA256:
            let name = verification.header ?? ""
            let values = headers.filter { $0.name.lowercased() == name }
            guard values.count == 1 else {
                throw invalid(values.isEmpty ? "the \(name) header is missing" : "the \(name) header appears more than once")
            }
            var presented = Substring(values[0].value.trimmingCharacters(in: .whitespaces))
            guard presented.hasPrefix(verification.prefix) else { throw invalid("the \(name) header does not start with '\(verification.prefix)'") }
            presented = presented.dropFirst(verification.prefix.count)
            let mac = Array(HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)))
            guard let bytes = decode(presented, verification.encoding), KeyedDigests.equal(bytes, mac) else {
                throw invalid("the \(name) signature does not match the body")
            }
            return Proof(replayKey: "body:" + KeyedDigests.hex(SHA256.hash(data: body)), rememberUntil: now + window)
        case .standardWebhooks:
            return try standardWebhooks(secret: secret, headers: headers, body: body, now: now, window: window)
        }
    }

    /// Midtrans HTTP notification: `signature_key` = hex(SHA-512(order_id ‖ status_code ‖ gross_amount ‖ server key)),
    /// each as the strings the notification carries.
    /// The body is read within the gateway's depth limit, as the allowlist will read it after.
    static func midtrans(secret: [UInt8], body: [UInt8], maxJSONDepth: Int) throws(Refusal) {
        guard case .object(let object)? = try? JSONParser(maxDepth: maxJSONDepth).parse(body) else {
            throw invalid("a Midtrans notification is a JSON object carrying signature_key")
        }
        guard case .string(let orderID)? = object["order_id"], case .string(let statusCode)? = object["status_code"],
            case .string(let grossAmount)? = object["gross_amount"], case .string(let signature)? = object["signature_key"]
        else {
            throw invalid("order_id, status_code, gross_amount and signature_key must be strings in the notification")
        }
        let expected = Array(SHA512.hash(data: Array((orderID + statusCode + grossAmount).utf8) + secret))
        guard let presented = decode(Substring(signature), .hex), KeyedDigests.equal(presented, expected) else {
            throw invalid("signature_key does not match order_id, status_code, gross_amount and the server key")
        }
    }

    /// standardwebhooks.com v1: HMAC-SHA256 over `id.timestamp.body` with the base64 key after `whsec_`; the
    /// `webhook-signature` header lists `v1,<base64>` signatures separated by spaces (any one may match).
    static func standardWebhooks(
        secret: [UInt8], headers: [(name: String, value: String)], body: [UInt8], now: Date, window: TimeInterval
    ) throws(Refusal) -> Proof {
        func single(_ name: String) throws(Refusal) -> String {
            let values = headers.filter { $0.name.lowercased() == name }
            guard values.count == 1, !values[0].value.isEmpty else {
                throw invalid(values.isEmpty ? "the \(name) header is missing" : "the \(name) header appears more than once")
            }
            return values[0].value
        }
        let id = try single("webhook-id")
        let timestampText = try single("webhook-timestamp")
        let signatures = try single("webhook-signature")
        guard timestampText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), timestampText.utf8.count <= 12,
            let seconds = Int64(timestampText)
        else {
            throw invalid("webhook-timestamp is whole seconds since 1970")
        }
        let key = standardWebhooksKey(secret)
        var signed = Array("\(id).\(timestampText).".utf8)
        signed += body
        let mac = Array(HMAC<SHA256>.authenticationCode(for: signed, using: SymmetricKey(data: key)))
        var matched = false
        for candidate in signatures.split(separator: " ") where candidate.hasPrefix("v1,") {
            if let bytes = decode(candidate.dropFirst(3), .base64), KeyedDigests.equal(bytes, mac) { matched = true }
        }
        guard matched else { throw invalid("no v1 signature in webhook-signature matches the message") }
        // Checked after the signature, so an unsigned timestamp is never believed.
        let sent = Date(timeIntervalSince1970: TimeInterval(seconds))
        guard abs(sent.timeIntervalSince(now)) <= window else {
            throw Refusal(.webhookReplayed, "webhook-timestamp is more than \(Int(window)) s from now: the message cannot be shown to be fresh")
        }
        return Proof(replayKey: "id:" + id, rememberUntil: sent + window)
    }

    /// The key bytes of a Standard Webhooks secret: base64 after `whsec_`; a secret without the prefix is used as is.
    static func standardWebhooksKey(_ secret: [UInt8]) -> [UInt8] {
        let text = String(decoding: secret, as: UTF8.self)
        if text.hasPrefix("whsec_"), let data = Data(base64Encoded: String(text.dropFirst(6))) { return Array(data) }
        return secret
    }

    static func decode(_ text: Substring, _ encoding: HookVerification.Encoding) -> [UInt8]? {
        switch encoding {
        case .base64: Data(base64Encoded: String(text)).map(Array.init)
        case .hex: KeyedDigests.bytes(hex: text)
        }
    }

    static func invalid(_ message: String) -> Refusal { Refusal(.webhookSignatureInvalid, message) }
}
