import Foundation
import Logging
import MingatePolicy

/// One JSON object per line (`log_format: json`), for log shippers: `time`, `level`, `logger`, `message`, then the
/// metadata under its own dotted keys (`hb.request.id`, `ledger.seq`, `partner.id`, …), flat. Each line is written
/// with one `write` call, so lines from concurrent requests never interleave. The gateway's metadata holds names,
/// ids, codes and counts, never a personal value; this handler adds nothing else.
public struct JSONLogHandler: LogHandler {
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let write: @Sendable ([UInt8]) -> Void

    public init(label: String, write: @escaping @Sendable ([UInt8]) -> Void = JSONLogHandler.standardError) {
        self.label = label
        self.write = write
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = metadata
        if let provided = metadataProvider?.get() { fields.merge(provided) { _, new in new } }
        if let extra = event.metadata { fields.merge(extra) { _, new in new } }
        var line: [UInt8] = []
        line.reserveCapacity(256)
        var first = true
        func member(_ key: String, _ write: (inout [UInt8]) -> Void) {
            line.append(first ? UInt8(ascii: "{") : UInt8(ascii: ","))
            first = false
            JSONWriter.writeString(key, into: &line)
            line.append(UInt8(ascii: ":"))
            write(&line)
        }
        member("time") { JSONWriter.writeString(Self.timestamp(), into: &$0) }
        member("level") { JSONWriter.writeString(event.level.rawValue, into: &$0) }
        member("logger") { JSONWriter.writeString(label, into: &$0) }
        member("message") { JSONWriter.writeString(event.message.description, into: &$0) }
        for key in fields.keys.sorted() where !["time", "level", "logger", "message"].contains(key) {
            member(key) { Self.write(fields[key]!, into: &$0) }
        }
        line.append(contentsOf: [UInt8(ascii: "}"), UInt8(ascii: "\n")])
        write(line)
    }

    /// A metadata value as JSON: strings as strings, arrays and dictionaries as arrays and objects.
    static func write(_ value: Logger.Metadata.Value, into out: inout [UInt8]) {
        switch value {
        case .string(let string): JSONWriter.writeString(string, into: &out)
        case .stringConvertible(let convertible): JSONWriter.writeString(convertible.description, into: &out)
        case .array(let values):
            out.append(UInt8(ascii: "["))
            for (index, element) in values.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                write(element, into: &out)
            }
            out.append(UInt8(ascii: "]"))
        case .dictionary(let dictionary):
            out.append(UInt8(ascii: "{"))
            for (index, key) in dictionary.keys.sorted().enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                JSONWriter.writeString(key, into: &out)
                out.append(UInt8(ascii: ":"))
                write(dictionary[key]!, into: &out)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = time_t(now.tv_sec)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        let millis = Int(now.tv_nsec) / 1_000_000
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday),
            Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), millis)
    }

    /// Writes each line to standard error in one call.
    public static let standardError: @Sendable ([UInt8]) -> Void = { bytes in
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = Foundation.write(2, buffer.baseAddress! + offset, buffer.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}
