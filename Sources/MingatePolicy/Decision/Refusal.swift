/// Why the gateway will not forward a request: a stable code for programs, a status, a message for people.
/// Equal by code. Messages never carry a payload value.
public struct Refusal: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public static func == (lhs: Refusal, rhs: Refusal) -> Bool { lhs.code == rhs.code }

    /// The HTTP status the caller gets.
    public var httpStatus: Int { code.status }
    public var description: String { "\(code.rawValue): \(message)" }

    /// The stable error codes, each with its HTTP status. The README lists them.
    public struct Code: RawRepresentable, Sendable, Hashable {
        public let rawValue: String
        public let status: Int

        public init?(rawValue: String) {
            guard let known = Self.all.first(where: { $0.rawValue == rawValue }) else { return nil }
            self = known
        }

        init(_ rawValue: String, _ status: Int) {
            self.rawValue = rawValue
            self.status = status
        }

        public static let unauthenticated = Code("unauthenticated", 401)
        public static let callerNotAllowed = Code("caller_not_allowed", 403)
        public static let badPath = Code("bad_path", 400)
        public static let unknownPartner = Code("unknown_partner", 404)
        public static let unknownPurpose = Code("unknown_purpose", 404)
        public static let routeNotAllowed = Code("route_not_allowed", 403)
        public static let unsupportedMediaType = Code("unsupported_media_type", 415)
        public static let contentTypeMismatch = Code("content_type_mismatch", 400)
        public static let bodyTooLarge = Code("body_too_large", 413)
        public static let malformedJSON = Code("malformed_json", 400)
        public static let duplicateKey = Code("duplicate_key", 400)
        public static let jsonTooDeep = Code("json_too_deep", 400)
        public static let invalidUTF8 = Code("invalid_utf8", 400)
        public static let malformedForm = Code("malformed_form", 400)
        public static let malformedMultipart = Code("malformed_multipart", 400)
        public static let malformedQuery = Code("malformed_query", 400)
        public static let partTypeNotAllowed = Code("part_type_not_allowed", 415)
        public static let partTooLarge = Code("part_too_large", 413)
        public static let transformFailed = Code("transform_failed", 422)
        public static let ledgerUnavailable = Code("ledger_unavailable", 503)
        public static let ledgerIndexTampered = Code("ledger_index_tampered", 500)
        public static let ledgerShapeMissing = Code("ledger_shape_missing", 500)
        public static let partnerUnreachable = Code("partner_unreachable", 502)
        public static let partnerTimeout = Code("partner_timeout", 504)
        public static let partnerResponseTooLarge = Code("partner_response_too_large", 502)
        public static let notFound = Code("not_found", 404)
        public static let subjectRequired = Code("subject_required", 400)
        public static let legalReferenceRequired = Code("legal_reference_required", 400)
        public static let consentRequired = Code("consent_required", 403)
        public static let transferConsentRequired = Code("transfer_consent_required", 403)
        public static let guardianConsentRequired = Code("guardian_consent_required", 403)
        public static let consentUnavailable = Code("consent_unavailable", 503)
        public static let duplicateControlHeader = Code("duplicate_control_header", 400)
        public static let requestTimeout = Code("request_timeout", 408)
        public static let tooManyConnections = Code("too_many_connections", 503)
        public static let methodNotAllowed = Code("method_not_allowed", 405)
        public static let badRequest = Code("bad_request", 400)
        public static let badConsent = Code("bad_consent", 400)
        public static let policyInvalid = Code("policy_invalid", 422)
        public static let internalError = Code("internal_error", 500)
        public static let badHost = Code("bad_host", 400)
        public static let malformedChunked = Code("malformed_chunked", 400)
        public static let unsupportedTransferCoding = Code("unsupported_transfer_coding", 501)
        public static let badHeaderValue = Code("bad_header_value", 400)
        public static let malformedRequest = Code("malformed_request", 400)
        public static let unexpectedJSONRoot = Code("unexpected_json_root", 400)
        public static let unknownHook = Code("unknown_hook", 404)
        public static let webhookSignatureInvalid = Code("webhook_signature_invalid", 401)
        public static let webhookReplayed = Code("webhook_replayed", 409)
        public static let hookDeliveryFailed = Code("hook_delivery_failed", 502)

        public static let all: [Code] = [
            .unauthenticated, .callerNotAllowed, .badPath, .unknownPartner, .unknownPurpose, .routeNotAllowed,
            .unsupportedMediaType, .contentTypeMismatch, .bodyTooLarge, .malformedJSON, .duplicateKey, .jsonTooDeep,
            .invalidUTF8, .malformedForm, .malformedMultipart, .malformedQuery, .partTypeNotAllowed, .partTooLarge,
            .transformFailed, .ledgerUnavailable, .ledgerIndexTampered, .ledgerShapeMissing, .partnerUnreachable, .partnerTimeout, .partnerResponseTooLarge,
            .notFound, .subjectRequired, .legalReferenceRequired, .consentRequired, .transferConsentRequired,
            .guardianConsentRequired, .consentUnavailable, .duplicateControlHeader, .requestTimeout, .tooManyConnections,
            .methodNotAllowed, .badRequest, .badConsent, .policyInvalid, .internalError, .badHost, .malformedChunked,
            .unsupportedTransferCoding, .badHeaderValue, .malformedRequest, .unexpectedJSONRoot,
            .unknownHook, .webhookSignatureInvalid, .webhookReplayed, .hookDeliveryFailed,
        ]
    }
}
