import FedSurvLedger
import Foundation

/// The `report` command's page: one self-contained HTML file with inline SVG plots and no script.
public enum HTMLReport {
    /// Renders the page.
    ///
    /// - Parameters:
    ///   - ledger: the audited ledger.
    ///   - sites: its per-site summaries, from `summarize`.
    ///   - verification: the result of `verify` on the same ledger.
    ///   - generatedAt: the time stamp printed in the header, passed in so that tests get a fixed page.
    public static func render(
        _ ledger: AuditedLedger, sites: [SiteSummary], verification: VerificationResult, generatedAt: String
    ) -> String {
        let siteColors = Dictionary(
            uniqueKeysWithValues: sites.enumerated().map { ($1.site, chartPalette[$0 % chartPalette.count]) })
        let sections = [
            header(ledger, verification: verification, generatedAt: generatedAt),
            verificationSection(verification),
            summarySection(ledger, sites: sites, colors: siteColors),
            cumulativeSection(ledger, sites: sites, colors: siteColors),
            groupSplitSection(ledger, sites: sites),
            cIndexSection(ledger),
            notesSection(ledger),
        ]
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <title>Privacy-budget audit: \(escapeHTML(fileName(ledger.path)))</title>
            <style>\(style)</style>
            </head>
            <body>
            \(sections.joined(separator: "\n"))
            </body>
            </html>

            """
    }

    // MARK: - Sections

    private static func header(_ ledger: AuditedLedger, verification: VerificationResult, generatedAt: String) -> String
    {
        let rounds = Set(ledger.entries.compactMap(\.round))
        return """
            <header>
            <h1>Privacy-budget audit</h1>
            <p class="meta"><code>\(escapeHTML(ledger.path))</code><br>
            \(ledger.entries.count) entries &middot; \(ledger.sites.count) sites &middot; \(rounds.count) rounds &middot;
            epsilons at &delta; = \(ledger.delta) &middot; generated \(escapeHTML(generatedAt))</p>
            </header>
            """
    }

    private static func verificationSection(_ result: VerificationResult) -> String {
        let details: String
        if result.passed {
            let anchors = result.anchorResults.isEmpty ? "" : " All \(result.anchorResults.count) anchors match."
            details =
                "Hash chain intact over entries 1&ndash;\(result.entryCount); every release epsilon and every "
                + "per-site running total re-derives from the recorded parameters.\(anchors)"
        } else {
            details =
                escapeHTML(result.firstFailure ?? "")
                + ". The figures below are as recorded and are not proven."
        }
        var head = ""
        if result.passed, let last = result.head {
            head = "<p class=\"meta\">Head: <code>\(last.sequence):\(last.entryHash)</code></p>"
        }
        return """
            <section class="verdict \(result.passed ? "pass" : "fail")">
            <h2>Verification: \(result.passed ? "passed" : "FAILED")</h2>
            <p>\(details)</p>
            \(head)
            </section>
            """
    }

    private static func summarySection(_ ledger: AuditedLedger, sites: [SiteSummary], colors: [String: String])
        -> String
    {
        var rows: [String] = []
        for site in sites {
            let left =
                site.left.map {
                    $0 < 0 ? "<span class=\"over\">over by \(AuditText.number(-$0))</span>" : AuditText.number($0)
                } ?? "&ndash;"
            let cells = [
                "<span class=\"swatch\" style=\"background:\(colors[site.site] ?? "#888")\"></span>\(escapeHTML(site.site))",
                String(site.entryCount),
                String(site.roundsJoined) + (site.localEntries > 0 ? " (+\(site.localEntries) local)" : ""),
                escapeHTML(site.mechanisms.joined(separator: ", ")),
                AuditText.number(site.totalEpsilonPure).replacingOccurrences(of: "-", with: "&ndash;"),
                AuditText.number(site.totalEpsilon),
                site.cap.map { AuditText.number($0) } ?? "&ndash;",
                left,
            ]
            rows.append(
                "<tr>"
                    + cells.enumerated().map { $0 == 0 || $0 == 3 ? "<td>\($1)</td>" : "<td class=\"num\">\($1)</td>" }
                    .joined() + "</tr>")
        }
        return """
            <section>
            <h2>Spending per site</h2>
            <table>
            <thead><tr><th>site</th><th class="num">entries</th><th class="num">rounds joined</th><th>mechanisms</th>
            <th class="num">pure &epsilon;</th><th class="num">&epsilon; at &delta;</th><th class="num">cap</th><th class="num">left</th></tr></thead>
            <tbody>
            \(rows.joined(separator: "\n"))
            </tbody>
            </table>
            <p class="note">Pure &epsilon; is the basic composition of pure epsilons and is shown only when every entry of the site has one (Laplace releases).
            &epsilon; at &delta; is the site's composed total as the accountant derives it. Caps come from the command line, not from the ledger.</p>
            </section>
            """
    }

    private static func cumulativeSection(_ ledger: AuditedLedger, sites: [SiteSummary], colors: [String: String])
        -> String
    {
        let rounds = ledger.entries.compactMap(\.round)
        guard let firstRound = rounds.min(), let lastRound = rounds.max() else {
            return
                "<section><h2>Cumulative &epsilon; per site</h2><p class=\"note\">No entry has a round, so there is nothing to plot over rounds.</p></section>"
        }
        let maxCap = sites.compactMap(\.cap).max() ?? 0
        let maxTotal = ledger.entries.map(\.totalEpsilon).filter(\.isFinite).max() ?? 0
        let yTicks = niceTicks(maximum: max(maxTotal, maxCap, 1e-9))
        var plot = SVGPlot(
            width: 1040, height: 320, xDomain: Double(firstRound) - 0.5...Double(lastRound) + 0.5,
            yDomain: 0...(yTicks.last ?? 1), xLabel: "round", yLabel: "cumulative ε at δ = \(ledger.delta)")

        for site in sites {
            let color = colors[site.site] ?? "#888"
            // The site's running total after its last entry in each round.
            var lastByRound: [Int: Double] = [:]
            for entry in ledger.entries(site: site.site) {
                if let round = entry.round { lastByRound[round] = entry.totalEpsilon }
            }
            let points = lastByRound.keys.sorted().map { (x: Double($0), y: lastByRound[$0]!) }
            plot.polyline(points, color: color, title: site.site)
            plot.markers(
                points, color: color,
                titles: points.map { "\(site.site), round \(Int($0.x)): ε = \(AuditText.number($0.y))" })
        }

        // One rule per distinct cap: in the site's colour when one site has it, else grey and naming the sites.
        var sitesByCap: [Double: [String]] = [:]
        for site in sites { if let cap = site.cap { sitesByCap[cap, default: []].append(site.site) } }
        for (cap, names) in sitesByCap.sorted(by: { $0.key < $1.key }) {
            let color = names.count == 1 ? colors[names[0]] ?? "#888" : "#777777"
            let owners = names.count == sites.count && sites.count > 1 ? "every site" : names.joined(separator: ", ")
            plot.rule(atY: cap, color: color, label: "cap \(AuditText.number(cap)): \(owners)")
        }

        let xTicks = roundTicks(Array(firstRound...lastRound)).map { (value: Double($0), label: String($0)) }
        let legend = sites.map {
            "<li><span class=\"swatch\" style=\"background:\(colors[$0.site] ?? "#888")\"></span>\(escapeHTML($0.site))</li>"
        }
        let unplotted = ledger.entries.filter { $0.round == nil }.count
        let note =
            unplotted == 0
            ? ""
            : "<p class=\"note\">\(unplotted) entries without a round (local runs) count in the totals but have no point on this axis.</p>"
        return """
            <section>
            <h2>Cumulative &epsilon; per site</h2>
            <ul class="legend">\(legend.joined())</ul>
            \(plot.rendered(xTicks: xTicks, yTicks: yTicks, ariaLabel: "cumulative epsilon per site over rounds"))
            \(note)
            </section>
            """
    }

    private static func groupSplitSection(_ ledger: AuditedLedger, sites: [SiteSummary]) -> String {
        // Group colours by first appearance anywhere in the ledger, so one group has one colour in every panel.
        var groupNames: [String] = []
        var splits: [Int: [(name: String, epsilon: Double)]] = [:]
        for entry in ledger.entries {
            let split = groupSplit(entry)
            splits[entry.sequence] = split
            for part in split where !groupNames.contains(part.name) { groupNames.append(part.name) }
        }
        let colorOf: (String) -> String = { name in
            name == unattributed ? "#BBBBBB" : chartPalette[(groupNames.firstIndex(of: name) ?? 0) % chartPalette.count]
        }

        var panels: [String] = []
        for site in sites {
            let entries = ledger.entries(site: site.site).filter { $0.round != nil }
            let rounds = Array(Set(entries.compactMap(\.round))).sorted()
            guard let firstRound = rounds.first, let lastRound = rounds.last else { continue }
            var stacks: [Int: [(name: String, epsilon: Double)]] = [:]
            for entry in entries { stacks[entry.round!, default: []] += splits[entry.sequence] ?? [] }
            let tallest = stacks.values.map { $0.reduce(0) { $0 + $1.epsilon } }.max() ?? 0
            let yTicks = niceTicks(maximum: max(tallest, 1e-9), count: 4)
            var plot = SVGPlot(
                width: 336, height: 200, xDomain: Double(firstRound) - 0.5...Double(lastRound) + 0.5,
                yDomain: 0...(yTicks.last ?? 1), xLabel: "round", yLabel: "ε of the round")
            plot.left = 52
            let barWidth = 0.7
            for (round, parts) in stacks {
                var base = 0.0
                for part in parts {
                    plot.bar(
                        center: Double(round), barWidth: barWidth, low: base, high: base + part.epsilon,
                        color: colorOf(part.name),
                        title: "\(site.site), round \(round), \(part.name): ε ≈ \(AuditText.number(part.epsilon))")
                    base += part.epsilon
                }
            }
            let xTicks = roundTicks(Array(firstRound...lastRound), count: 6).map {
                (value: Double($0), label: String($0))
            }
            panels.append(
                "<figure><figcaption>\(escapeHTML(site.site))</figcaption>"
                    + plot.rendered(
                        xTicks: xTicks, yTicks: yTicks,
                        ariaLabel: "epsilon per round of \(site.site) split by parameter group")
                    + "</figure>")
        }
        if panels.isEmpty {
            return
                "<section><h2>&epsilon; per round by parameter group</h2><p class=\"note\">No entry has a round.</p></section>"
        }
        let legend = groupNames.map {
            "<li><span class=\"swatch\" style=\"background:\(colorOf($0))\"></span>\(escapeHTML($0))</li>"
        }
        return """
            <section>
            <h2>&epsilon; per round by parameter group</h2>
            <ul class="legend">\(legend.joined())</ul>
            <div class="panels">\(panels.joined(separator: "\n"))</div>
            <p class="note">A bar is the sum of the epsilons of the site's releases in that round, each alone at &delta;.
            Segments split a release's epsilon by the group's share of the per-step cost:
            &epsilon;<sub>k</sub> / &Sigma;&epsilon; for Laplace groups, &sigma;<sub>k</sub><sup>&minus;2</sup> / &Sigma;&sigma;<sup>&minus;2</sup> for Gaussian groups.
            Because subsampling and composition are not linear, a segment is an attribution, not an epsilon of its own.</p>
            </section>
            """
    }

    private static func cIndexSection(_ ledger: AuditedLedger) -> String {
        let title = "<h2>Global C-index over rounds</h2>"
        guard let metrics = ledger.roundMetrics else {
            return "<section>\(title)<p class=\"note\">This ledger file has no <code>round_metrics</code> table. "
                + "The coordinator's ledger has one; a site's ledger does not.</p></section>"
        }
        let points = metrics.compactMap { metric in metric.cIndex.map { (x: Double(metric.round), y: $0) } }
            .filter { $0.y.isFinite }
        guard let first = points.first, let last = points.last else {
            return
                "<section>\(title)<p class=\"note\">The <code>round_metrics</code> table has no C-index yet.</p></section>"
        }
        let low = min(0.5, points.map(\.y).min()!)
        let yTicks = niceTicks(minimum: floor(low * 10) / 10, maximum: min(1, points.map(\.y).max()! + 0.02), count: 5)
        var plot = SVGPlot(
            width: 1040, height: 250, xDomain: first.x - 0.5...last.x + 0.5, yDomain: yTicks.first!...yTicks.last!,
            xLabel: "round", yLabel: "Harrell's C-index")
        plot.rule(atY: 0.5, color: "#999999", label: "0.5: random ranking")
        plot.polyline(points, color: "#0072B2", title: "global C-index")
        plot.markers(
            points, color: "#0072B2",
            titles: points.map { "round \(Int($0.x)): C-index \(String(format: "%.3f", $0.y))" })
        let xTicks = roundTicks(points.map { Int($0.x) }).map { (value: Double($0), label: String($0)) }
        return """
            <section>
            \(title)
            \(plot.rendered(xTicks: xTicks, yTicks: yTicks, ariaLabel: "global C-index over rounds"))
            <p class="note">From the coordinator's <code>round_metrics</code> table, which is not hash-chained: verification does not cover it.</p>
            </section>
            """
    }

    private static func notesSection(_ ledger: AuditedLedger) -> String {
        """
        <footer>
        <p>Generated by <code>privacy-audit report</code> from <code>\(escapeHTML(ledger.path))</code>, opened read-only.
        See docs/AUDIT.md for what verification proves and what it cannot.</p>
        </footer>
        """
    }

    // MARK: - Helpers

    static let unattributed = "(parameters not in the documented format)"

    /// Splits the entry's epsilon over its parameter groups, or returns one unattributed part when the parameters do not parse.
    static func groupSplit(_ entry: LedgerEntry) -> [(name: String, epsilon: Double)] {
        guard let parameters = try? ReleaseParameters(json: entry.parameters), let shares = parameters.groupShares
        else {
            return [(name: unattributed, epsilon: entry.epsilon)]
        }
        return zip(parameters.groups, shares).map { (name: $0.name, epsilon: $1 * entry.epsilon) }
    }

    private static func fileName(_ path: String) -> String {
        URL(fileURLWithPath: path).lastPathComponent
    }

    private static let style = """
        body { font-family: system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif; color: #1d1d1f;
               max-width: 1080px; margin: 24px auto; padding: 0 20px; line-height: 1.45; background: #fff; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 18px; margin: 22px 0 6px; border-bottom: 1px solid #e3e3e3; padding-bottom: 4px; }
        .meta { color: #555; margin: 4px 0; font-size: 14px; }
        code { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 12.5px; word-break: break-all; }
        .verdict { border-radius: 6px; padding: 2px 16px 4px; margin-top: 14px; }
        .verdict p { margin: 6px 0; }
        .verdict h2 { border: none; margin: 8px 0 0; padding: 0; }
        .verdict.pass { background: #eaf6ee; border-left: 6px solid #1e8e3e; }
        .verdict.fail { background: #fdecea; border-left: 6px solid #c5221f; }
        table { border-collapse: collapse; width: 100%; font-size: 14px; }
        th, td { padding: 5px 10px; border-bottom: 1px solid #e6e6e6; text-align: left; }
        th { background: #f5f5f7; font-weight: 600; }
        .num { text-align: right; font-variant-numeric: tabular-nums; }
        .over { color: #c5221f; font-weight: 600; }
        .note { color: #555; font-size: 13px; }
        .swatch { display: inline-block; width: 11px; height: 11px; border-radius: 2px; margin-right: 6px; vertical-align: -1px; }
        .legend { list-style: none; padding: 0; margin: 6px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; font-size: 13px; }
        .panels { display: grid; grid-template-columns: repeat(3, 1fr); gap: 8px 12px; }
        figure { margin: 0; }
        figcaption { font-size: 13px; font-weight: 600; margin-left: 52px; }
        svg { display: block; max-width: 100%; height: auto; font-family: inherit; }
        svg .grid { stroke: #ececec; }
        svg .axis { stroke: #888; }
        svg .tick { font-size: 11px; fill: #555; }
        svg .label { font-size: 12px; fill: #333; }
        svg .note { font-size: 11px; }
        footer { margin-top: 32px; color: #777; font-size: 12px; border-top: 1px solid #e3e3e3; padding-top: 8px; }
        """
}
