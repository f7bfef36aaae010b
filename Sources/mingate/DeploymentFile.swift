import Foundation
import Logging
import MingateGateway
import Yams

/// A deployment file (`--config`): where to listen, where the policies and the ledger are, base URL overrides.
/// See `ops/mingate.example.yaml`.
struct DeploymentFile: Decodable {
    struct Listen: Decodable {
        var host: String?
        var port: Int?
    }

    struct Limits: Decodable {
        var max_body_bytes: Int?
        var max_json_depth: Int?
        var max_response_bytes: Int?
    }

    struct Connections: Decodable {
        var max_connections: Int?
        var idle_timeout_seconds: Double?
        var head_timeout_seconds: Double?
        var body_timeout_seconds: Double?
    }

    var listen: Listen?
    /// `metrics: {host, port}`: serve `/metrics` there instead of on the gateway port.
    var metrics: Listen?
    var log_format: String?
    var partners: String?
    var policies: String?
    var ledger: String?
    var checkpoint_key: String?
    var checkpoint_interval_seconds: Double?
    /// `witnesses: [{key: name+id+base64, url: https://…}]`, offered each new checkpoint.
    var witnesses: [Witness]?
    var witness_interval_seconds: Double?

    struct Witness: Decodable {
        var key: String
        var url: String
    }
    var base_urls: [String: String]?
    var hooks_urls: [String: String]?
    var limits: Limits?
    var connections: Connections?
    var log_level: String?

    static func load(_ path: String) throws -> DeploymentFile {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw CommandFailure("cannot read the deployment file '\(path)'")
        }
        do {
            return try YAMLDecoder().decode(DeploymentFile.self, from: text)
        } catch {
            throw CommandFailure("\(path): \(error)")
        }
    }

    func apply(to configuration: inout GatewayConfiguration) throws {
        if let host = listen?.host { configuration.host = host }
        if let port = listen?.port { configuration.port = port }
        if let partners { configuration.partnersDirectory = partners }
        if let policies { configuration.policiesDirectory = policies }
        if let ledger { configuration.ledger = ledger }
        if let checkpoint_key { configuration.checkpointKeyFile = checkpoint_key }
        if let checkpoint_interval_seconds { configuration.checkpointInterval = checkpoint_interval_seconds }
        for witness in witnesses ?? [] {
            do {
                configuration.witnesses.append(try WitnessEndpoint(key: witness.key, url: witness.url))
            } catch {
                throw CommandFailure("witnesses: \(error.message)")
            }
        }
        if let witness_interval_seconds {
            guard witness_interval_seconds >= 1, witness_interval_seconds <= 3600 else { throw CommandFailure("witness_interval_seconds is between 1 and 3600") }
            configuration.witnessInterval = witness_interval_seconds
        }
        for (id, url) in base_urls ?? [:] { configuration.baseURLOverrides[id] = url }
        for (id, url) in hooks_urls ?? [:] { configuration.hookURLOverrides[id] = url }
        if let value = limits?.max_body_bytes { configuration.maxBodyBytes = value }
        if let value = limits?.max_json_depth { configuration.maxJSONDepth = value }
        if let value = limits?.max_response_bytes { configuration.maxResponseBytes = value }
        if let value = connections?.max_connections {
            guard value > 0 else { throw CommandFailure("connections.max_connections must be positive") }
            configuration.connections.maxConnections = value
        }
        for (value, keyPath, name) in [
            (connections?.idle_timeout_seconds, \ConnectionLimits.idleTimeout, "idle_timeout_seconds"),
            (connections?.head_timeout_seconds, \ConnectionLimits.headTimeout, "head_timeout_seconds"),
            (connections?.body_timeout_seconds, \ConnectionLimits.bodyTimeout, "body_timeout_seconds"),
        ] {
            guard let value else { continue }
            guard value > 0, value <= 3600 else { throw CommandFailure("connections.\(name) is between 0 and 3600 seconds") }
            configuration.connections[keyPath: keyPath] = .milliseconds(Int64(value * 1000))
        }
        if let metrics {
            guard let host = metrics.host, let port = metrics.port, (0...65535).contains(port) else {
                throw CommandFailure("metrics needs both host and port (0–65535)")
            }
            configuration.metricsListen = .init(host: host, port: port)
        }
        if let log_format {
            guard let format = GatewayConfiguration.LogFormat(rawValue: log_format) else {
                throw CommandFailure("unknown log_format '\(log_format)' (text or json)")
            }
            configuration.logFormat = format
        }
        if let level = log_level {
            guard let parsed = Logger.Level(rawValue: level) else { throw CommandFailure("unknown log_level '\(level)'") }
            configuration.logLevel = parsed
        }
    }
}

/// A command that failed with a message for the terminal.
struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
