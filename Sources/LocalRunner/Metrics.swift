import Algorithms

/// Katib's StdOut metrics collector, as the file metrics collector applies it to each output line:
/// every match of every format gives a (name, value) pair; only the experiment's metrics are kept,
/// and only values that parse as numbers. Katib's default format is
/// `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)`.
public struct MetricsParser {
    public static let defaultFormat = #"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"#
    let formats: [Regex<AnyRegexOutput>]
    public let names: Set<String>
    /// The regular expressions in use, as written (Katib's default when the experiment gives none).
    public let formatTexts: [String]

    public init(formats: [String], names: Set<String>) throws(ParseFailure) {
        var compiled: [Regex<AnyRegexOutput>] = []
        for f in formats.isEmpty ? [Self.defaultFormat] : formats {
            do { compiled.append(try Regex(f)) } catch { throw ParseFailure(message: "metricsFormat \(f) is not a valid regular expression") }
        }
        self.formats = compiled
        self.names = names
        formatTexts = formats.isEmpty ? [Self.defaultFormat] : formats
    }

    public struct ParseFailure: Error { public let message: String }

    /// The metric reports on one line, in order.
    public func parse(_ line: String) -> [(name: String, value: Double)] {
        var out: [(String, Double)] = []
        for regex in formats {
            for match in line.matches(of: regex) where match.output.count >= 3 {
                guard let n = match.output[1].substring, let v = match.output[2].substring else { continue }
                let name = String(n).trimming(" \"'")
                guard names.contains(name), let value = ValueFormatting.parseDouble(String(v).trimming(" \"'")) else { continue }
                out.append((name, value))
            }
        }
        return out
    }
}
