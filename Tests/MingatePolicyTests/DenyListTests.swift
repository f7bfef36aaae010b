import Testing

@testable import MingatePolicy

/// The global deny list thinks in words: every spelling of a listed word is stopped, nothing that merely contains
/// its letters is.
@Suite struct DenyListTests {
    static let list = DenyList(words: ["cvv", "cvc", "cvv2", "password", "pass_phrase", "otp", "pin", "security_answer", "mother_maiden_name"])

    @Test(arguments: [
        "cvv", "CVV", "card_cvv", "cvv_code", "cardCvv", "CardCVV", "cvv-code", "card.cvv", "cvv2", "cvv_2", "pin",
        "pin_code", "pinCode", "PIN", "mPin", "pin1", "otp", "otpCode", "OTPCode", "otp_value", "password",
        "password_hash", "passwordHash", "login-password", "pass-word", "pass_phrase", "passPhrase", "securityAnswer",
        "SECURITY_ANSWER", "motherMaidenName", "\u{FF43}\u{FF56}\u{FF56}", "card_\u{FF23}\u{FF36}\u{FF36}",
        "\u{FF50}\u{FF49}\u{FF4E}Code",
    ])
    func denied(_ name: String) {
        #expect(Self.list.denies(name), "\(name) must be denied")
    }

    @Test(arguments: [
        "spinner", "opinion", "pincode", "shipping", "cvvx", "postcode", "passenger", "topping", "order_id",
        "card_number", "phone", "consignee", "bank_code", "spin_count", "otpx", "compass", "passport",
    ])
    func allowed(_ name: String) {
        #expect(!Self.list.denies(name), "\(name) must not be denied")
    }
}

extension DenyListTests {
    @Test func everySpellingIsStoppedInsideASubtreeKeptWholeAndUnderAWildcard() throws {
        let rules = [
            JSONRule(query: try JSONPathQuery("$.payment"), category: "transaction.payment_method", transform: .keep),
            JSONRule(query: try JSONPathQuery("$.extra.*"), category: "transaction.items", transform: .keep),
        ]
        let minimiser = JSONMinimiser(rules: rules, deny: Self.list)
        let document = try JSONParser().parse(
            Array(
                #"{"payment":{"bank":"bca","cvv_code":"1","cardCvv":"2","details":{"pinCode":"3","otpCode":"4"}},"extra":{"mPin":"5","password_hash":"6","note":"ok","ｃｖｖ":"7"}}"#
                    .utf8))
        let result = try minimiser.minimise(document, with: Transformer(pseudonymKey: .init(size: .bits256)))
        let sent = JSONWriter().string(result.output)
        for secret in ["\"1\"", "\"2\"", "\"3\"", "\"4\"", "\"5\"", "\"6\"", "\"7\""] {
            #expect(!sent.contains(secret), "\(secret) leaked: \(sent)")
        }
        #expect(sent.contains("bca") && sent.contains("ok"), "the rest is kept: \(sent)")
        #expect(result.withheld.count == 7)
    }
}
