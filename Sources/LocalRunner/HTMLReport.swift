#if canImport(Glibc)
import Glibc
#endif
import SuggestionAPI
import Algorithms

/// A self-contained HTML page about one run (no scripts, no network: inline CSS and SVG), written
/// beside the results file:
///
/// 1. a summary (objective, algorithm, stop reason, conditions, the best trial);
/// 2. the optimisation history: each trial's objective value in run order (`circle.trial-point`,
///    coloured by condition) and the best value so far (`polyline.best-so-far`), on a log axis when
///    the values are positive and span two decades or more (`ValueAxis`);
/// 3. parallel coordinates: one axis per parameter and one for the objective, a line per trial with
///    a value (`polyline.pc-line`; numbers scaled between the observed extremes, on a log scale for
///    LOG_UNIFORM and LOG_NORMAL parameters; list values at evenly spaced positions), coloured from
///    the best (blue) to the worst (orange) objective;
/// 4. for a multi-objective experiment (`objectives`), the first two objectives of every finished
///    trial (`circle.pareto-point`) with the Pareto front (`circle.pareto-front`, joined by a line);
/// 5. each trial's intermediate reports of the objective (`polyline.curve`), what early stopping and
///    multi-fidelity algorithms act on;
/// 6. the table of every trial (`tr[data-trial]`), best first, with why it did not succeed.
///
/// Every mark carries `data-trial` and an SVG `<title>` (the browser's tooltip).
public enum HTMLReport {
    static let width = 760.0, height = 300.0
    static let margin = (left: 70.0, right: 20.0, top: 16.0, bottom: 40.0)

    public static func render(_ trials: [LocalTrial], experiment e: LocalExperiment, outcome: Tuner.Outcome?) -> String {
        let metric = e.objectiveMetric
        let strategy = e.strategies[metric] ?? "latest"
        let values = trials.map { $0.observed(metric, strategy: strategy) }
        let better: (Double, Double) -> Bool = e.maximize ? { $0 > $1 } : { $0 < $1 }
        var best: (index: Int, value: Double)? = nil
        for (i, v) in values.enumerated() {
            guard let v, trials[i].condition == "Succeeded" || trials[i].condition == "EarlyStopped" else { continue }
            if best == nil || better(v, best!.value) { best = (i, v) }
        }
        var html = """
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8">
            <title>\(escape(e.name)) — tune report</title>
            <style>
            body{font-family:system-ui,sans-serif;margin:24px;color:#1d232a;max-width:1100px}
            h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 6px}
            .summary{color:#444;line-height:1.6}
            svg{background:#fbfcfd;border:1px solid #dde3ea}
            .axis{stroke:#889;stroke-width:1}.grid{stroke:#e6eaef;stroke-width:1}
            text{font-size:11px;fill:#445}
            .best-so-far{fill:none;stroke:#1a7f37;stroke-width:2}
            .curve{fill:none;stroke-width:1.3;opacity:.8}
            .pc-line{fill:none;stroke-width:1.4;opacity:.75}
            table{border-collapse:collapse;font-size:13px;margin-top:6px}
            th,td{border-bottom:1px solid #e3e7ec;padding:4px 8px;text-align:left;vertical-align:top}
            th{background:#f2f5f8}td.inactive{color:#9ca3af}.why{color:#9a3412;font-size:12px;white-space:pre-wrap}
            .legend span{margin-right:14px}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:4px}
            </style></head><body>
            <h1>\(escape(e.name))</h1>
            <div class="summary">
            """
        let algorithm = e.experiment.spec?.algorithm?.algorithmName ?? "?"
        html += "\(e.maximize ? "maximize" : "minimize") <b>\(escape(metric))</b> with <b>\(escape(algorithm))</b>"
        html += " · \(trials.count) trials (maxTrialCount \(e.maxTrialCount))"
        var counts: [(String, Int)] = []
        for t in trials { if let k = counts.firstIndex(where: { $0.0 == t.condition }) { counts[k].1 += 1 } else { counts.append((t.condition, 1)) } }
        html += " · " + counts.map { "\($0.1) \(escape($0.0))" }.joined(separator: ", ")
        if let outcome { html += "<br>stopped: " + escape(outcome.sentence(e, trials)) }
        if let best {
            let t = trials[best.index]
            html += "<br>best: <b>\(escape(t.name))</b> \(escape(metric)) = \(ValueFormatting.formatDouble(best.value)) — "
            let inactive = ParameterActivity(e).inactive(t.assignments)
            html += t.assignments.map { "\(escape($0.name)) = \(inactive.contains($0.name) ? "–" : escape($0.value))" }.joined(separator: ", ")
        }
        html += "</div>\n"

        html += "<h2>Optimisation history</h2>\n" + legend()
        html += history(trials, values, metric: metric, better: better)
        html += "<h2>Parameters against the objective</h2>\n"
        html += parallelCoordinates(trials, values, e, better: better)
        if e.objectives.count >= 2 {
            html += "<h2>Pareto front</h2>\n" + pareto(trials, e)
        }
        html += "<h2>Intermediate values of \(escape(metric))</h2>\n"
        html += curves(trials, metric: metric)
        html += "<h2>Trials</h2>\n" + table(trials, values, e, better: better)
        html += "</body></html>\n"
        return html
    }

    static let conditionColours: [String: String] = [
        "Succeeded": "#2563eb", "EarlyStopped": "#a855f7", "Failed": "#dc2626", "MetricsUnavailable": "#ea580c",
        "Killed": "#6b7280", "Interrupted": "#6b7280", "Running": "#0891b2"]

    static func legend() -> String {
        "<div class=\"legend\">" + ["Succeeded", "EarlyStopped"].map {
            "<span><i class=\"dot\" style=\"background:\(conditionColours[$0]!)\"></i>\($0)</span>"
        }.joined() + "<span><i class=\"dot\" style=\"background:#1a7f37\"></i>best so far</span></div>\n"
    }

    /// Linear map of [lo, hi] onto [a, b] (the middle when the interval is a point).
    static func scale(_ v: Double, _ lo: Double, _ hi: Double, _ a: Double, _ b: Double) -> Double {
        hi > lo ? a + (v - lo) / (hi - lo) * (b - a) : (a + b) / 2
    }

    static func format(_ v: Double) -> String {
        let r = (v * 100).rounded() / 100
        return ValueFormatting.formatDouble(r == 0 ? 0 : r)
    }

    static func label(_ v: Double) -> String {
        let a = Swift.abs(v)
        if a != 0 && (a < 1e-3 || a >= 1e5) {
            // Scientific notation with three significant digits, without Foundation.
            var exponent = 0, m = a
            while m >= 10 { m /= 10; exponent += 1 }
            while m < 1 { m *= 10; exponent -= 1 }
            return (v < 0 ? "-" : "") + ValueFormatting.formatDouble((m * 100).rounded() / 100) + "e" + String(exponent)
        }
        return ValueFormatting.formatDouble((v * 1000).rounded() / 1000)
    }

    /// The vertical value axis of a chart: linear, or logarithmic when every value is positive and
    /// they span at least two decades (losses often do, and a linear axis flattens the good ones).
    struct ValueAxis {
        let lo: Double
        let hi: Double
        let log: Bool

        init(_ lo: Double, _ hi: Double) {
            self.lo = lo
            self.hi = hi
            log = lo > 0 && hi / lo >= 100
        }

        /// The chart coordinate of v (bottom margin for lo, top for hi).
        func y(_ v: Double) -> Double {
            let (b, t) = (HTMLReport.height - HTMLReport.margin.bottom, HTMLReport.margin.top)
            return log ? scale(Glibc.log10(v), Glibc.log10(lo), Glibc.log10(hi), b, t) : scale(v, lo, hi, b, t)
        }

        /// Five values from lo to hi, evenly spaced on the axis.
        var ticks: [Double] {
            (0...4).map { k in
                let f = Double(k) / 4
                return log ? Glibc.pow(10, Glibc.log10(lo) + f * (Glibc.log10(hi) - Glibc.log10(lo))) : lo + f * (hi - lo)
            }
        }
    }

    /// Frame, horizontal grid and y labels of a chart on `axis`.
    static func frame(_ axis: ValueAxis, xLabel: String, yLabel: String) -> String {
        let (l, r, t, b) = (margin.left, width - margin.right, margin.top, height - margin.bottom)
        var s = "<line class=\"axis\" x1=\"\(l)\" y1=\"\(b)\" x2=\"\(r)\" y2=\"\(b)\"/><line class=\"axis\" x1=\"\(l)\" y1=\"\(t)\" x2=\"\(l)\" y2=\"\(b)\"/>"
        for v in axis.ticks {
            let y = format(axis.y(v))
            s += "<line class=\"grid\" x1=\"\(l)\" y1=\"\(y)\" x2=\"\(r)\" y2=\"\(y)\"/>"
            s += "<text x=\"\(format(l - 6))\" y=\"\(y)\" text-anchor=\"end\" dominant-baseline=\"middle\">\(escape(label(v)))</text>"
        }
        s += "<text x=\"\(format((l + r) / 2))\" y=\"\(format(height - 8))\" text-anchor=\"middle\">\(escape(xLabel))</text>"
        let name = yLabel + (axis.log ? " (log scale)" : "")
        s += "<text x=\"14\" y=\"\(format((t + b) / 2))\" text-anchor=\"middle\" transform=\"rotate(-90 14 \(format((t + b) / 2)))\">\(escape(name))</text>"
        return s
    }

    static func svgOpen(_ id: String) -> String {
        "<svg id=\"\(id)\" xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\">"
    }

    static func history(_ trials: [LocalTrial], _ values: [Double?], metric: String, better: (Double, Double) -> Bool) -> String {
        let points = values.enumerated().compactMap { i, v in v.map { (i, $0) } }
        guard let lo = points.map(\.1).min(), let hi = points.map(\.1).max() else { return "<p>No trial reported \(escape(metric)) yet.</p>\n" }
        let (l, r) = (margin.left, width - margin.right)
        let n = Swift.max(trials.count - 1, 1)
        let axis = ValueAxis(lo, hi)
        var s = svgOpen("history") + frame(axis, xLabel: "trial (run order)", yLabel: metric)
        var bestSoFar: Double? = nil
        var line: [String] = []
        for (i, v) in points {
            let x = format(scale(Double(i), 0, Double(n), l, r)), y = format(axis.y(v))
            let counts = trials[i].condition == "Succeeded" || trials[i].condition == "EarlyStopped"
            if counts && (bestSoFar == nil || better(v, bestSoFar!)) { bestSoFar = v }
            if let best = bestSoFar { line.append("\(x),\(format(axis.y(best)))") }
            let colour = conditionColours[trials[i].condition] ?? "#6b7280"
            s += "<circle class=\"trial-point\" data-trial=\"\(escape(trials[i].name))\" cx=\"\(x)\" cy=\"\(y)\" r=\"4\" fill=\"\(colour)\">"
            s += "<title>\(escape(trials[i].name)): \(escape(metric)) = \(ValueFormatting.formatDouble(v)) (\(escape(trials[i].condition)))</title></circle>"
        }
        if !line.isEmpty { s += "<polyline class=\"best-so-far\" points=\"\(line.joined(separator: " "))\"/>" }
        return s + "</svg>\n"
    }

    /// The first two objectives of every scored trial (`pareto-point`), the non-dominated ones
    /// (`pareto-front`) joined by a line in order of the first objective.
    static func pareto(_ trials: [LocalTrial], _ e: LocalExperiment) -> String {
        let (front, scored) = ParetoFront.of(trials, e)
        let names = e.objectives.map(\.metricName)
        guard !scored.isEmpty else { return "<p>No trial has a value of every objective yet.</p>\n" }
        let xs = scored.map { $0.values[0] }, ys = scored.map { $0.values[1] }
        let axis = ValueAxis(ys.min()!, ys.max()!)
        let (l, r) = (margin.left, width - margin.right)
        let (xlo, xhi) = (xs.min()!, xs.max()!)
        var s = svgOpen("pareto") + frame(axis, xLabel: names[0] + " (" + label(xlo) + " … " + label(xhi) + ")", yLabel: names[1])
        let onFront = Set(front.map(\.trial.name))
        func mark(_ t: LocalTrial, _ v: [Double], _ cls: String, _ colour: String) -> String {
            let title = zip(names, v).map { "\($0) = \(ValueFormatting.formatDouble($1))" }.joined(separator: ", ")
            return "<circle class=\"\(cls)\" data-trial=\"\(escape(t.name))\" cx=\"\(format(scale(v[0], xlo, xhi, l, r)))\" cy=\"\(format(axis.y(v[1])))\" r=\"4\" fill=\"\(colour)\"><title>\(escape(t.name)): \(escape(title))</title></circle>"
        }
        let line = front.map { "\(format(scale($0.values[0], xlo, xhi, l, r))),\(format(axis.y($0.values[1])))" }
        if line.count > 1 { s += "<polyline class=\"best-so-far\" points=\"\(line.joined(separator: " "))\"/>" }
        for (t, v) in scored where !onFront.contains(t.name) { s += mark(t, v, "pareto-point", "#9aa5b1") }
        for (t, v) in front { s += mark(t, v, "pareto-front", "#1a7f37") }
        return s + "</svg>\n"
    }

    static func parallelCoordinates(_ trials: [LocalTrial], _ values: [Double?], _ e: LocalExperiment,
                                    better: (Double, Double) -> Bool) -> String {
        let parameters = e.experiment.spec?.parameterSpecs?.parameters ?? []
        let rows = trials.indices.filter { values[$0] != nil }
        guard !rows.isEmpty, !parameters.isEmpty else { return "<p>No trial has a value to plot yet.</p>\n" }
        // Per axis: a position in [0, 1] for each plotted trial, and the axis' end labels.
        var axes: [Axis] = []
        for p in parameters {
            axes.append(axis(p, raw: rows.map { i in trials[i].assignments.first { $0.name == p.name }?.value ?? "" }))
        }
        let objective = rows.map { values[$0]! }
        let lo = objective.min()!, hi = objective.max()!
        axes.append(Axis(name: e.objectiveMetric, position: objective.map { scale($0, lo, hi, 0, 1) }, low: label(lo), high: label(hi)))
        let (l, r, t, b) = (margin.left, width - margin.right - 30, margin.top + 8, height - margin.bottom)
        let xs = axes.indices.map { scale(Double($0), 0, Double(Swift.max(axes.count - 1, 1)), l, r) }
        var s = svgOpen("parallel-coordinates")
        for (k, axis) in axes.enumerated() {
            s += "<line class=\"axis\" x1=\"\(format(xs[k]))\" y1=\"\(t)\" x2=\"\(format(xs[k]))\" y2=\"\(b)\"/>"
            s += "<text x=\"\(format(xs[k]))\" y=\"\(format(height - 22))\" text-anchor=\"middle\">\(escape(axis.name))</text>"
            s += "<text x=\"\(format(xs[k] + 4))\" y=\"\(format(b - 2))\">\(escape(axis.low))</text>"
            s += "<text x=\"\(format(xs[k] + 4))\" y=\"\(format(t + 8))\">\(escape(axis.high))</text>"
        }
        // Worst first, so the best lines are drawn on top.
        let order = rows.indices.sorted { better(objective[$1], objective[$0]) }
        for j in order {
            let quality = hi > lo ? (e.maximize ? (objective[j] - lo) / (hi - lo) : (hi - objective[j]) / (hi - lo)) : 1
            let colour = mix(quality)
            let points = axes.indices.map { k in "\(format(xs[k])),\(format(scale(axes[k].position[j], 0, 1, b, t)))" }.joined(separator: " ")
            let name = trials[rows[j]].name
            s += "<polyline class=\"pc-line\" data-trial=\"\(escape(name))\" stroke=\"\(colour)\" points=\"\(points)\">"
            s += "<title>\(escape(name)): \(escape(e.objectiveMetric)) = \(ValueFormatting.formatDouble(objective[j]))</title></polyline>"
        }
        return s + "</svg>\n"
    }

    /// One vertical axis of the parallel-coordinates chart.
    struct Axis {
        var name: String
        /// Per plotted trial, in [0, 1] (0 at the bottom).
        var position: [Double]
        var low: String
        var high: String
    }

    /// The axis of parameter `p` for the values `raw` (one per plotted trial): numbers between their
    /// extremes (ln scale for LOG_UNIFORM and LOG_NORMAL), list values evenly spaced in list order.
    static func axis(_ p: ParameterSpec, raw: [String]) -> Axis {
        let distribution = p.feasibleSpace?.distribution
        let log = distribution == .logUniform || distribution == .logNormal
        var numbers: [Double] = []
        for text in raw {
            guard let v = ValueFormatting.parseDouble(text), !log || v > 0 else { break }
            numbers.append(v)
        }
        if p.parameterType != .categorical, numbers.count == raw.count, let low = numbers.min(), let high = numbers.max() {
            let scaled = numbers.map { log ? Glibc.log($0) : $0 }
            let a = log ? Glibc.log(low) : low, b = log ? Glibc.log(high) : high
            return Axis(name: p.name, position: scaled.map { scale($0, a, b, 0, 1) }, low: label(low), high: label(high))
        }
        var levels = p.feasibleSpace?.list ?? []
        if levels.isEmpty { levels = Array(Set(raw)).sorted() }
        let top = Double(Swift.max(levels.count - 1, 1))
        let position = raw.map { r in scale(Double(levels.firstIndex(of: r) ?? 0), 0, top, 0, 1) }
        return Axis(name: p.name, position: position, low: levels.first ?? "", high: levels.last ?? "")
    }

    /// Orange (quality 0, the worst) to blue (1, the best), as #rrggbb.
    static func mix(_ q: Double) -> String {
        let q = Swift.min(Swift.max(q, 0), 1)
        let from = (234.0, 88.0, 12.0), to = (37.0, 99.0, 235.0)
        func hex(_ v: Double) -> String {
            let n = Int(v.rounded())
            let digits = Array("0123456789abcdef")
            return String([digits[n / 16], digits[n % 16]])
        }
        return "#" + hex(from.0 + (to.0 - from.0) * q) + hex(from.1 + (to.1 - from.1) * q) + hex(from.2 + (to.2 - from.2) * q)
    }

    static func curves(_ trials: [LocalTrial], metric: String) -> String {
        let series = trials.filter { ($0.reports[metric]?.count ?? 0) >= 1 }
        let all = series.flatMap { $0.reports[metric]! }
        guard let lo = all.min(), let hi = all.max() else { return "<p>No intermediate reports yet.</p>\n" }
        let steps = series.map { $0.reports[metric]!.count }.max()!
        let (l, r) = (margin.left, width - margin.right)
        let axis = ValueAxis(lo, hi)
        var s = svgOpen("intermediate") + frame(axis, xLabel: "report", yLabel: metric)
        for t0 in series {
            let colour = conditionColours[t0.condition] ?? "#6b7280"
            let values = t0.reports[metric]!
            let points = values.enumerated().map { k, v in
                "\(format(scale(Double(k), 0, Double(Swift.max(steps - 1, 1)), l, r))),\(format(axis.y(v)))"
            }.joined(separator: " ")
            s += "<polyline class=\"curve\" data-trial=\"\(escape(t0.name))\" stroke=\"\(colour)\" points=\"\(points)\">"
            s += "<title>\(escape(t0.name)) (\(escape(t0.condition))): \(values.count) reports, last \(ValueFormatting.formatDouble(values.last!))</title></polyline>"
        }
        return s + "</svg>\n"
    }

    static func table(_ trials: [LocalTrial], _ values: [Double?], _ e: LocalExperiment, better: (Double, Double) -> Bool) -> String {
        let names = (e.experiment.spec?.parameterSpecs?.parameters ?? []).map(\.name)
        let order = trials.indices.sorted { a, b in
            switch (values[a], values[b]) {
            case let (x?, y?): return better(x, y) || (x == y && a < b)
            case (_?, nil): return true
            case (nil, _?): return false
            default: return a < b
            }
        }
        var s = "<table id=\"trials\"><thead><tr><th>trial</th><th>condition</th><th>\(escape(e.objectiveMetric))</th>"
        s += names.map { "<th>\(escape($0))</th>" }.joined() + "<th>seconds</th></tr></thead><tbody>\n"
        let activity = ParameterActivity(e)
        for i in order {
            let t = trials[i]
            let inactive = activity.inactive(t.assignments)
            s += "<tr data-trial=\"\(escape(t.name))\"><td>\(escape(t.name))</td><td>\(escape(t.condition))</td>"
            s += "<td>\(values[i].map(ValueFormatting.formatDouble) ?? "–")</td>"
            s += names.map { n in
                let value = escape(t.assignments.first { $0.name == n }?.value ?? "")
                // An inactive parameter: the trial received its placeholder and was to ignore it.
                return inactive.contains(n)
                    ? "<td class=\"inactive\" title=\"inactive (condition not met); the trial received the placeholder \(value)\">–</td>"
                    : "<td>\(value)</td>"
            }.joined()
            s += "<td>\(t.durationSeconds.map(format) ?? "")</td></tr>\n"
            if let why = t.explanation, t.condition != "Succeeded" {
                let tail = t.outputTail.isEmpty ? "" : "\n" + t.outputTail.joined(separator: "\n")
                s += "<tr class=\"why-row\"><td></td><td colspan=\"\(names.count + 3)\" class=\"why\">\(escape(why + tail))</td></tr>\n"
            }
        }
        return s + "</tbody></table>\n"
    }

    /// Text for HTML element content and attribute values.
    static func escape(_ text: String) -> String {
        var out = ""
        for c in text {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
