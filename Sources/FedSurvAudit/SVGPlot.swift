import Foundation

/// Inline SVG charts for the HTML report: a frame with axes, lines and stacked bars.
///
/// Every chart is plain SVG 1.1 markup with no script and no external
/// reference, so the page renders the same in any browser and offline.
struct SVGPlot {
    let width: Double
    let height: Double
    let xDomain: ClosedRange<Double>
    let yDomain: ClosedRange<Double>
    let xLabel: String
    let yLabel: String
    var left = 64.0
    var right = 16.0
    var top = 14.0
    var bottom = 46.0
    private(set) var body: [String] = []

    init(
        width: Double, height: Double, xDomain: ClosedRange<Double>, yDomain: ClosedRange<Double>, xLabel: String,
        yLabel: String
    ) {
        self.width = width
        self.height = height
        self.xDomain =
            xDomain.lowerBound == xDomain.upperBound ? (xDomain.lowerBound - 1)...(xDomain.upperBound + 1) : xDomain
        self.yDomain =
            yDomain.lowerBound == yDomain.upperBound ? yDomain.lowerBound...(yDomain.upperBound + 1) : yDomain
        self.xLabel = xLabel
        self.yLabel = yLabel
    }

    func x(_ value: Double) -> Double {
        left + (value - xDomain.lowerBound) / (xDomain.upperBound - xDomain.lowerBound) * (width - left - right)
    }

    func y(_ value: Double) -> Double {
        height - bottom - (value - yDomain.lowerBound) / (yDomain.upperBound - yDomain.lowerBound)
            * (height - top - bottom)
    }

    // MARK: - Marks

    mutating func polyline(_ points: [(x: Double, y: Double)], color: String, dashed: Bool = false, title: String) {
        guard !points.isEmpty else { return }
        let path = points.map { "\(fmt(x($0.x))),\(fmt(y($0.y)))" }.joined(separator: " ")
        let dash = dashed ? " stroke-dasharray=\"6 4\"" : ""
        body.append(
            "<polyline points=\"\(path)\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"2\"\(dash)>"
                + "<title>\(escapeHTML(title))</title></polyline>")
    }

    mutating func markers(_ points: [(x: Double, y: Double)], color: String, titles: [String]) {
        for (point, title) in zip(points, titles) {
            body.append(
                "<circle cx=\"\(fmt(x(point.x)))\" cy=\"\(fmt(y(point.y)))\" r=\"3\" fill=\"\(color)\">"
                    + "<title>\(escapeHTML(title))</title></circle>")
        }
    }

    /// Draws a horizontal reference line across the plot area with a label at its right end.
    mutating func rule(atY value: Double, color: String, label: String) {
        let position = fmt(y(value))
        body.append(
            "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(position)\" y2=\"\(position)\" "
                + "stroke=\"\(color)\" stroke-width=\"1.5\" stroke-dasharray=\"4 4\"/>")
        body.append(
            "<text x=\"\(fmt(width - right - 4))\" y=\"\(fmt(y(value) - 5))\" text-anchor=\"end\" class=\"note\" "
                + "fill=\"\(color)\">\(escapeHTML(label))</text>")
    }

    /// Draws a vertical bar from `low` to `high` centred on `center`, `barWidth` wide in data units.
    mutating func bar(center: Double, barWidth: Double, low: Double, high: Double, color: String, title: String) {
        let x0 = x(center - barWidth / 2)
        let x1 = x(center + barWidth / 2)
        body.append(
            "<rect x=\"\(fmt(x0))\" y=\"\(fmt(y(high)))\" width=\"\(fmt(max(1, x1 - x0)))\" "
                + "height=\"\(fmt(max(0, y(low) - y(high))))\" fill=\"\(color)\"><title>\(escapeHTML(title))</title></rect>"
        )
    }

    // MARK: - Rendering

    /// Renders the whole `<svg>` element: grid, axes with tick labels, axis titles, then the marks.
    func rendered(xTicks: [(value: Double, label: String)], yTicks: [Double], ariaLabel: String) -> String {
        var parts = [
            "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" "
                + "width=\"\(fmt(width))\" height=\"\(fmt(height))\" role=\"img\" aria-label=\"\(escapeHTML(ariaLabel))\">"
        ]
        for tick in yTicks {
            let position = fmt(y(tick))
            parts.append(
                "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(position)\" y2=\"\(position)\" class=\"grid\"/>"
            )
            parts.append(
                "<text x=\"\(fmt(left - 6))\" y=\"\(position)\" dy=\"0.32em\" text-anchor=\"end\" class=\"tick\">"
                    + "\(tickLabel(tick))</text>")
        }
        let axisY = fmt(height - bottom)
        parts.append(
            "<line x1=\"\(fmt(left))\" x2=\"\(fmt(width - right))\" y1=\"\(axisY)\" y2=\"\(axisY)\" class=\"axis\"/>")
        parts.append(
            "<line x1=\"\(fmt(left))\" x2=\"\(fmt(left))\" y1=\"\(fmt(top))\" y2=\"\(axisY)\" class=\"axis\"/>")
        for tick in xTicks {
            parts.append(
                "<text x=\"\(fmt(x(tick.value)))\" y=\"\(fmt(height - bottom + 16))\" text-anchor=\"middle\" "
                    + "class=\"tick\">\(escapeHTML(tick.label))</text>")
        }
        parts.append(
            "<text x=\"\(fmt((left + width - right) / 2))\" y=\"\(fmt(height - 8))\" text-anchor=\"middle\" "
                + "class=\"label\">\(escapeHTML(xLabel))</text>")
        parts.append(
            "<text transform=\"translate(14 \(fmt((top + height - bottom) / 2))) rotate(-90)\" text-anchor=\"middle\" "
                + "class=\"label\">\(escapeHTML(yLabel))</text>")
        parts += body
        parts.append("</svg>")
        return parts.joined(separator: "\n")
    }
}

/// Returns about `count` round tick values from 0 (or `minimum`) to at least `maximum`, spaced 1, 2 or 5 times a power of 10.
func niceTicks(minimum: Double = 0, maximum: Double, count: Int = 5) -> [Double] {
    let span = max(maximum - minimum, 1e-12)
    let rough = span / Double(max(1, count))
    let magnitude = pow(10, floor(log10(rough)))
    let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= rough } ?? 10 * magnitude
    let start = floor(minimum / step) * step
    var ticks: [Double] = []
    var value = start
    while value < maximum + step * 0.999 {
        // Twelve significant digits drop the binary noise of multiplying the step (3 * 0.2 = 0.6000000000000001).
        ticks.append(Double(String(format: "%.12g", value)) ?? value)
        value = start + Double(ticks.count) * step
    }
    return ticks
}

/// Returns integer ticks for rounds, at most about `count` of them.
func roundTicks(_ rounds: [Int], count: Int = 12) -> [Int] {
    guard let first = rounds.min(), let last = rounds.max() else { return [] }
    let stride = max(1, Int(niceTicks(maximum: Double(last - first), count: count).dropFirst().first ?? 1))
    return Array(Swift.stride(from: first - first % stride, through: last, by: stride)).filter { $0 >= first }
}

func tickLabel(_ value: Double) -> String {
    if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
    return String(format: "%.3g", value)
}

func fmt(_ value: Double) -> String { String(format: "%.1f", value) }

/// Replaces `&`, `<`, `>`, `"` and `'` by character references, so the text is safe in HTML text and attributes.
func escapeHTML(_ text: String) -> String {
    var output = ""
    for character in text {
        switch character {
        case "&": output += "&amp;"
        case "<": output += "&lt;"
        case ">": output += "&gt;"
        case "\"": output += "&quot;"
        case "'": output += "&#39;"
        default: output.append(character)
        }
    }
    return output
}

/// Colours of the Okabe and Ito (2008) palette, distinguishable with the common colour-vision deficiencies.
let chartPalette = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#000000", "#F0E442"]
