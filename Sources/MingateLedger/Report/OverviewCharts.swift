import Foundation

/// The overview's charts as SVG drawn by the server: no chart library in the console, and the picture is made from
/// the same counts the JSON carries. Every label is escaped (`Markup`); the SVG has a `<title>` and `<desc>` for screen readers.
public enum OverviewCharts {
    static let palette = ["#2f6690", "#d1495b", "#edae49", "#00798c", "#6a4c93", "#3a7d44", "#8d6a9f", "#9c6644"]
    static let other = "#a0a0a0"

    /// Forwarded records per bucket, stacked by partner (the seven largest, then "other").
    public static func disclosuresOverTime(_ overview: LedgerOverview) -> String {
        let (width, height, left, bottom, top) = (760.0, 280.0, 44.0, 46.0, 12.0)
        var series = overview.byPartner
        if series.count > 8 {
            let rest = series[7...].reduce(into: Array(repeating: 0, count: overview.buckets.count)) { sums, row in
                for (index, value) in row.counts.enumerated() { sums[index] += value }
            }
            series = Array(series[..<7]) + [("other", rest)]
        }
        let totals = overview.buckets.indices.map { index in series.reduce(0) { $0 + $1.counts[index] } }
        let maximum = niceCeiling(totals.max() ?? 0)
        let plotWidth = width - left - 150
        let plotHeight = height - bottom - top
        let slot = plotWidth / Double(max(overview.buckets.count, 1))
        var svg = header(width, height, "Disclosures over time by partner", "Forwarded records per \(overview.bucket.rawValue), stacked by partner; \(overview.forwarded) in all.")
        svg += axis(left: left, top: top, width: plotWidth, height: plotHeight, maximum: maximum)
        for (index, _) in overview.buckets.enumerated() {
            var y = top + plotHeight
            for (offset, row) in series.enumerated() where row.counts[index] > 0 {
                let barHeight = plotHeight * Double(row.counts[index]) / Double(maximum)
                y -= barHeight
                let colour = row.partner == "other" ? other : palette[offset % palette.count]
                svg += "<rect x=\"\(f(left + Double(index) * slot + slot * 0.1))\" y=\"\(f(y))\" width=\"\(f(max(slot * 0.8, 1)))\" height=\"\(f(barHeight))\" fill=\"\(colour)\"><title>\(Markup.escape(row.partner)) \(Markup.escape(label(overview.buckets[index], overview.bucket))): \(row.counts[index])</title></rect>"
            }
        }
        let every = max(1, Int((Double(overview.buckets.count) / 10).rounded(.up)))
        for (index, bucket) in overview.buckets.enumerated() where index % every == 0 {
            svg += "<text x=\"\(f(left + (Double(index) + 0.5) * slot))\" y=\"\(f(top + plotHeight + 16))\" text-anchor=\"middle\" class=\"tick\">\(Markup.escape(label(bucket, overview.bucket)))</text>"
        }
        for (offset, row) in series.enumerated() {
            let y = top + 8 + Double(offset) * 20
            let colour = row.partner == "other" ? other : palette[offset % palette.count]
            svg += "<rect x=\"\(f(width - 140))\" y=\"\(f(y - 9))\" width=\"12\" height=\"12\" fill=\"\(colour)\"/>"
            svg += "<text x=\"\(f(width - 122))\" y=\"\(f(y + 1))\" class=\"legend\">\(Markup.escape(row.partner)) (\(row.counts.reduce(0, +)))</text>"
        }
        if series.isEmpty {
            svg += "<text x=\"\(f(left + plotWidth / 2))\" y=\"\(f(top + plotHeight / 2))\" text-anchor=\"middle\" class=\"empty\">no disclosures in this period</text>"
        }
        return svg + "</svg>"
    }

    /// Forwarded records per data category; specific (sensitive) categories in red and marked.
    public static func byCategory(_ overview: LedgerOverview) -> String {
        bars(
            "Disclosures by data category",
            "Forwarded records that carried each category; specific (sensitive) categories are red and marked ⚠.",
            overview.byCategory.map { (($0.sensitive ? "⚠ " : "") + $0.category, Double($0.records), String($0.records), $0.sensitive) },
            empty: "no disclosures in this period")
    }

    /// Refused decisions per reason code.
    public static func refusalsByReason(_ overview: LedgerOverview) -> String {
        bars(
            "Refusals by reason", "Refused decisions per refusal code.",
            overview.refusalsByReason.map { ($0.name, Double($0.count), String($0.count), false) }, empty: "no refusals in this period")
    }

    /// The share of the fields each caller sent that the gateway withheld.
    public static func withheldByCaller(_ overview: LedgerOverview) -> String {
        bars(
            "Share of fields withheld, per caller",
            "Withheld fields as a share of all fields each caller sent in forwarded requests.",
            overview.withheldByCaller.map {
                ($0.caller, $0.share, "\(Int(($0.share * 100).rounded()))% (\($0.withheld) of \($0.withheld + $0.disclosed))", false)
            }, maximum: 1, empty: "no forwarded requests in this period")
    }

    static func bars(_ title: String, _ description: String, _ rows: [(label: String, value: Double, text: String, marked: Bool)], maximum: Double? = nil, empty: String) -> String {
        let rowHeight = 24.0
        let (width, left) = (760.0, 230.0)
        let height = max(Double(rows.count) * rowHeight + 16, 48)
        let top = (rows.map(\.value).max() ?? 0)
        let scale = maximum ?? (top > 0 ? Double(niceCeiling(Int(top.rounded(.up)))) : 1)
        let plotWidth = width - left - 150
        var svg = header(width, height, title, description)
        for (index, row) in rows.enumerated() {
            let y = 8 + Double(index) * rowHeight
            let barWidth = scale > 0 ? plotWidth * row.value / scale : 0
            svg += "<text x=\"\(f(left - 8))\" y=\"\(f(y + 15))\" text-anchor=\"end\" class=\"\(row.marked ? "label marked" : "label")\">\(Markup.escape(row.label))</text>"
            svg += "<rect x=\"\(f(left))\" y=\"\(f(y + 3))\" width=\"\(f(max(barWidth, row.value > 0 ? 2 : 0)))\" height=\"16\" fill=\"\(row.marked ? palette[1] : palette[0])\"><title>\(Markup.escape(row.label)): \(Markup.escape(row.text))</title></rect>"
            svg += "<text x=\"\(f(left + barWidth + 6))\" y=\"\(f(y + 15))\" class=\"value\">\(Markup.escape(row.text))</text>"
        }
        if rows.isEmpty { svg += "<text x=\"\(f(width / 2))\" y=\"28\" text-anchor=\"middle\" class=\"empty\">\(Markup.escape(empty))</text>" }
        return svg + "</svg>"
    }

    static func header(_ width: Double, _ height: Double, _ title: String, _ description: String) -> String {
        """
        <svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 \(f(width)) \(f(height))" width="\(f(width))" height="\(f(height))" role="img" class="chart"><title>\(Markup.escape(title))</title><desc>\(Markup.escape(description))</desc><style>text{font:12px system-ui,sans-serif;fill:#222}.tick{font-size:11px;fill:#555}.marked{fill:#b3261e;font-weight:600}.empty{fill:#777;font-style:italic}</style>
        """
    }

    static func axis(left: Double, top: Double, width: Double, height: Double, maximum: Int) -> String {
        var svg = ""
        for step in 0...4 {
            let value = maximum * step / 4
            let y = top + height - height * Double(step) / 4
            svg += "<line x1=\"\(f(left))\" x2=\"\(f(left + width))\" y1=\"\(f(y))\" y2=\"\(f(y))\" stroke=\"#e3e3e3\"/>"
            svg += "<text x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\" class=\"tick\">\(value)</text>"
        }
        return svg
    }

    /// `2026-11-25` → `11-25`; `2026-11-25T10` → `25 10h`.
    static func label(_ bucket: String, _ kind: LedgerOverview.Bucket) -> String {
        let parts = Array(bucket)
        guard parts.count >= 10 else { return bucket }
        return kind == .day ? String(parts[5..<10]) : String(parts[8..<10]) + " " + String(parts[11...]) + "h"
    }

    /// The smallest of 4, 8, 20, 40, 80, 200… at least `value` (so the four grid lines fall on whole numbers).
    static func niceCeiling(_ value: Int) -> Int {
        var scale = 1
        while true {
            for step in [4, 8, 20] where step * scale >= value { return step * scale }
            scale *= 10
        }
    }

    static func f(_ value: Double) -> String { String(format: "%.1f", value) }
}
