/// Comma-separated values as RFC 4180 writes them, for reports a spreadsheet opens.
public enum CSV {
    /// One field, quoted when it holds a comma, a quote or a line break.
    public static func field(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
            ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    /// One line of fields.
    public static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",")
    }
}
