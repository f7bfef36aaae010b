import Foundation

extension Enforcer {
    struct HookPlan: Sendable {
        let hook: Hook
        let json: JSONMinimiser
        let headers: FieldMinimiser
        /// The headers the scheme reads: the gateway's, never delivered, not recorded as withheld.
        let signatureHeaders: Set<String>
        /// Where the hook is delivered; nil when its service names no `hooks_url`.
        let deliveryURL: String?
    }

    /// `/w/{partner}/{hook}`: the hook a partner's call is aimed at.
    public static let hookPrefix = "/w/"

    /// Step 1 of a hook: the declared partner and hook the target names, or why there is none. A hook's URL is
    /// exactly `/w/{partner}/{hook}`: no further segments, no query.
    public func placeHook(target: String) throws(Refusal) -> HookPlacement {
        guard target.hasPrefix(Self.hookPrefix) else { throw Refusal(.notFound, "partner hooks go to /w/{partner}/{hook}") }
        if target.contains("?") || target.contains("#") { throw Refusal(.badPath, "a hook's URL has no query or fragment") }
        let segments = target.dropFirst(Self.hookPrefix.count).split(separator: "/", omittingEmptySubsequences: false)
        guard segments.count == 2 else { throw Refusal(.badPath, "a hook's URL is /w/{partner}/{hook}") }
        let partnerID = try PartnerPath.checkSegment(segments[0])
        let hookID = try PartnerPath.checkSegment(segments[1])
        guard let partnerPlan = plans[partnerID] else { throw Refusal(.unknownPartner, "no partner '\(partnerID)'") }
        guard let hookPlan = partnerPlan.hooks[hookID] else {
            throw Refusal(.unknownHook, "partner '\(partnerID)' has no hook '\(hookID)'")
        }
        return HookPlacement(partnerPlan: partnerPlan, hookPlan: hookPlan)
    }

    /// Step 2 of a hook: the sender proven by the partner's scheme, at `now`. The proof's replay key is the edge's to
    /// check against the messages it has already accepted.
    public func authenticate(
        _ placement: HookPlacement, headers: [(name: String, value: String)], body: [UInt8], now: Date
    ) throws(Refusal) -> HookSignature.Proof {
        guard let secret = keys.hookSecrets[placement.secretName] else {
            throw Refusal(.webhookSignatureInvalid, "no secret is configured for this hook")
        }
        return try HookSignature.verify(
            placement.hook.verification, secret: secret, headers: headers, body: body, now: now, maxJSONDepth: limits.maxJSONDepth)
    }

    /// Step 3 of a hook: the message cut to the hook's allowlist and addressed to the internal service it is
    /// delivered to, with the inbound record of what crossed (the partner, the categories, the subject).
    public func receive(_ placement: HookPlacement, _ request: InboundRequest, requestID: String) throws(Refusal) -> Decision {
        let hook = placement.hook
        var record = inboundRecord(placement, requestID: requestID)
        guard let url = placement.hookPlan.deliveryURL else {
            throw Refusal(.hookDeliveryFailed, "the service '\(hook.deliverTo)' has no hooks_url")
        }
        var body: [UInt8] = []
        if !request.body.isEmpty || request.header("content-type") != nil {
            let contentType = HeaderParameters.parse(request.header("content-type") ?? "")
            let mediaType = contentType.value.lowercased()
            guard mediaType == "application/json" else {
                throw Refusal(.unsupportedMediaType, "a hook's body is application/json; got '\(mediaType)'")
            }
            let document = try parseJSON(request.body, contentType: contentType)
            if let query = hook.subject, let subjectID = Self.subjectID(at: query, in: document),
                !subjectID.trimmingCharacters(in: .whitespaces).isEmpty
            {
                record.subjectKey = subjectKey(for: subjectID)
            }
            guard document.isContainer || placement.hookPlan.json.selectsRoot else {
                throw Refusal(.unexpectedJSONRoot, "the JSON body is a \(document.typeName), not an object or array; no rule selects it")
            }
            let minimised = try transform { () throws(TransformFailure) in
                try placement.hookPlan.json.minimise(document, with: placement.partnerPlan.transformer)
            }
            record.disclosed += minimised.disclosed
            record.withheld += minimised.withheld
            body = JSONWriter().bytes(minimised.output)
        }

        let connectionListed = RequestFraming.connectionListed(in: request.headers)
        var incoming: [(name: String, value: String)] = []
        for header in request.headers {
            let name = header.name.lowercased()
            if Self.gatewayHeaders.contains(name) || placement.hookPlan.signatureHeaders.contains(name) { continue }
            if PartnerChecker.neverForwardedHeaders.contains(name) || connectionListed.contains(name) {
                if !record.withheld.contains("header:\(name)") { record.withheld.append("header:\(name)") }
                continue
            }
            incoming.append(header)
        }
        let headers = try transform { () throws(TransformFailure) in
            try placement.hookPlan.headers.minimise(incoming, with: placement.partnerPlan.transformer)
        }
        record.disclosed += headers.disclosed
        record.withheld += headers.withheld
        var outbound = headers.output
        if !body.isEmpty {
            outbound.append(("Content-Type", "application/json"))
            record.bodyDigest = digest(body)
        }
        // Who sent it and through which hook: names, not data, so the service needs no copy of the policy.
        outbound.append(("X-Mingate-Partner", placement.partner.id))
        outbound.append(("X-Mingate-Hook", hook.id))
        record.decision = .forward
        record.reason = "allowed"
        return .forward(
            OutboundRequest(
                partner: placement.partner.id, method: "POST", url: url, headers: outbound, body: body,
                destination: .internalService(hook.deliverTo)),
            record)
    }

    /// Every step of a hook at once, for a message already read, at `now`: what `policy test` runs. The gateway runs
    /// the steps one by one (reading the body between them, and checking replays, which need its memory).
    public func decideHook(_ request: InboundRequest, now: Date, requestID: String) -> Decision {
        let placement: HookPlacement
        do throws(Refusal) {
            placement = try placeHook(target: request.target)
        } catch {
            return refused(error, requestID: requestID, method: request.method, target: request.target, caller: nil, permit: nil)
        }
        do throws(Refusal) {
            guard request.method == "POST" else { throw Refusal(.methodNotAllowed, "a hook is called with POST") }
            _ = try authenticate(placement, headers: request.headers, body: request.body, now: now)
            return try receive(placement, request, requestID: requestID)
        } catch {
            return refusedHook(error, placement, requestID: requestID)
        }
    }

    /// The inbound record of a hook refused after its sender was proven (a body that cannot be read or cut down).
    public func refusedHook(_ refusal: Refusal, _ placement: HookPlacement, requestID: String) -> Decision {
        var record = inboundRecord(placement, requestID: requestID)
        record.refuse(refusal)
        return .refuse(refusal, record)
    }

    /// What every inbound record says before the body is read: who sent it, through which hook, to which service,
    /// on what basis.
    func inboundRecord(_ placement: HookPlacement, requestID: String) -> Disclosure {
        let partner = placement.partner
        let hook = placement.hook
        var record = Disclosure(requestID: requestID, method: "POST", policyVersion: policy.version)
        record.direction = .inbound
        record.caller = hook.deliverTo
        record.name(partner)
        record.purpose = hook.id
        record.legalBasis = hook.legalBasis.rawValue
        record.route = "POST \(Self.hookPrefix)\(partner.id)/\(hook.id)"
        return record
    }
}

/// Step 1 of a hook: which partner's hook the call is aimed at.
public struct HookPlacement: Sendable {
    let partnerPlan: Enforcer.PartnerPlan
    let hookPlan: Enforcer.HookPlan

    public var partner: Partner { partnerPlan.partner }
    public var hook: Hook { hookPlan.hook }
    /// The key of the hook's secret in `EnforcerKeys.hookSecrets`.
    var secretName: String { EnforcerKeys.hookSecretName(partner: partner.id, hook: hook.id) }
}
