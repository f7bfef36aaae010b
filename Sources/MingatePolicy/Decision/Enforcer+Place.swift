extension Enforcer {
    /// Step 1: the declared partner, purpose and route the request target names, or why there is none.
    public func place(method: String, target: String) throws(Refusal) -> Placement {
        let path = try PartnerPath.parse(target)
        guard let partnerPlan = plans[path.partner] else { throw Refusal(.unknownPartner, "no partner '\(path.partner)'") }
        guard let purposePlan = partnerPlan.purposes[path.purpose] else {
            throw Refusal(.unknownPurpose, "partner '\(path.partner)' has no purpose '\(path.purpose)'")
        }
        guard let route = purposePlan.purpose.route(method: method, segments: path.segments) else {
            throw Refusal(
                .routeNotAllowed, "\(method) \(path.encodedPartnerPath) is not a route of \(path.partner)/\(path.purpose)")
        }
        return Placement(path: path, route: route, partnerPlan: partnerPlan, purposePlan: purposePlan)
    }
}
