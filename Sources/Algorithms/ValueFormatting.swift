#if canImport(Glibc)
import Glibc
#endif

/// Parsing and formatting of the strings that carry numbers on the wire.
///
/// Formatting rule (one rule for every sampler):
/// - INT values: the decimal integer (`"-3"`, `"1024"`).
/// - DOUBLE values: the shortest decimal that parses back to the same `Double`, written **without an
///   exponent** and without a trailing `".0"` (`0.00001`, `2`, `150000000000000000000`), which is what Go's
///   `strconv.FormatFloat(v, 'f', -1, 64)` (Katib's goptuna service) produces. Plain notation is
///   accepted by every consumer of a trial template (shell, YAML, Python `float`, Go `ParseFloat`), while
///   exponents such as `1e-05` are not always. `-0.0` is written `"0"`.
/// - DISCRETE and CATEGORICAL values: the list entry verbatim.
///
/// Invariant: for every finite `x`, `Double(formatDouble(x)) == x` (tested).
public enum ValueFormatting {
    /// The shortest round-trip decimal of a finite `x`, in plain notation (see the type's comment).
    /// Non-finite values never reach this function (search spaces are validated to be finite);
    /// they are written as Swift does (`nan`, `inf`, `-inf`).
    public static func formatDouble(_ x: Double) -> String {
        guard x.isFinite else { return x.description }
        if x == 0 { return "0" }
        // Swift's `description` gives the shortest round-trip digits, sometimes with an exponent:
        // "1e-05", "1.5e+20", "0.001", "123.0". Re-render those digits in plain notation.
        let text = x.description
        // Most values print in plain notation already ("0.0123", "-2.5"); only an exponent or a
        // trailing ".0" needs rewriting.
        var hasExponent = false
        for c in text.utf8 where c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
            hasExponent = true
            break
        }
        if !hasExponent {
            return text.utf8.count > 2 && text.hasSuffix(".0") ? String(text.utf8.dropLast(2))! : text
        }
        var negative = false
        var digits: [UInt8] = []   // significant digits, ASCII
        var pointPosition = 0      // number of digits before the decimal point
        var sawPoint = false
        var exponent = 0
        var bytes = text.utf8.makeIterator()
        while let c = bytes.next() {
            switch c {
            case UInt8(ascii: "-"): negative = true
            case UInt8(ascii: "."): sawPoint = true
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(c)
                if !sawPoint { pointPosition += 1 }
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var rest = ""
                while let d = bytes.next() { rest.unicodeScalars.append(Unicode.Scalar(d)) }
                exponent = Int(rest) ?? 0
            default: break
            }
        }
        pointPosition += exponent
        // Strip leading zeros (they shift the point) and trailing zeros (they do not).
        while let first = digits.first, first == UInt8(ascii: "0") {
            digits.removeFirst()
            pointPosition -= 1
        }
        while let last = digits.last, last == UInt8(ascii: "0") { digits.removeLast() }
        if digits.isEmpty { return "0" }
        var out: [UInt8] = negative ? [UInt8(ascii: "-")] : []
        if pointPosition <= 0 {
            out += Array("0.".utf8)
            out += [UInt8](repeating: UInt8(ascii: "0"), count: -pointPosition)
            out += digits
        } else if pointPosition >= digits.count {
            out += digits
            out += [UInt8](repeating: UInt8(ascii: "0"), count: pointPosition - digits.count)
        } else {
            out += digits[..<pointPosition]
            out.append(UInt8(ascii: "."))
            out += digits[pointPosition...]
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Parses a number as written in a feasible space or an assignment: Swift's `Double(String)`
    /// grammar (decimal, exponent, hexadecimal), after trimming ASCII spaces. Returns nil for text
    /// that is not a number and for `nan`/`inf`, which no search space may contain.
    public static func parseDouble(_ text: String) -> Double? {
        var text = text
        if let exact = text.withUTF8({ plainDecimal($0) }) { return exact }
        let trimmed = text.trimming()
        guard let first = trimmed.utf8.first,
              first == UInt8(ascii: "-") || first == UInt8(ascii: "+") || first == UInt8(ascii: ".")
                || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first),
              let value = Double(trimmed), value.isFinite
        else { return nil }
        return value
    }

    /// C's `strtod` on a NUL-terminated stack copy of `bytes`, which `plainDecimal` has checked to be a
    /// plain decimal; nil when the copy would exceed 128 bytes, the value is not finite, or `strtod`
    /// stops early (a process locale whose decimal point is not "." — the server never sets one, and
    /// then the caller's full parser decides).
    private static func correctlyRounded(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        guard bytes.count < 128 else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: bytes.count + 1) { buffer -> Double? in
            let base = buffer.baseAddress!
            UnsafeMutableRawPointer(base).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
            base[bytes.count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(base, &end)
            guard end == base + bytes.count, value.isFinite else { return nil }
            return value
        }
    }

    /// Parses an integer: an integer literal, or a decimal whose value is integral (`"1.0"`, `"1e3"`),
    /// limited to ±2^53 so that every value is exact as a `Double` too. Nil otherwise.
    public static func parseInteger(_ text: String) -> Int64? {
        let trimmed = text.trimming()
        if let v = Int64(trimmed) { return v.magnitude <= maxExactInteger.magnitude ? v : nil }   // abs(Int64.min) traps
        guard let d = parseDouble(trimmed), d == d.rounded(), abs(d) <= Double(maxExactInteger) else { return nil }
        return Int64(d)
    }

    /// 2^53: the largest magnitude up to which every integer is exactly representable as a `Double`.
    public static let maxExactInteger: Int64 = 1 << 53

    /// The number of decimal places a decimal literal carries (`"0.005"` → 3, `"1.25e-3"` → 5,
    /// `"5e2"` → 0); nil if the text is not a plain decimal literal or needs more than 17 places.
    /// Used to remove binary rounding noise from stepped lattices (see `NumericRange`).
    static func decimalPlaces(_ text: String) -> Int? {
        let bytes = Array(text.trimming().utf8)
        var fraction = 0
        var inFraction = false
        var exponentStart: Int? = nil
        for (i, c) in bytes.enumerated() {
            if c == UInt8(ascii: ".") {
                if inFraction { return nil }
                inFraction = true
            } else if c == UInt8(ascii: "e") || c == UInt8(ascii: "E") {
                exponentStart = i + 1
                break
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                if inFraction { fraction += 1 }
            } else if !(i == 0 && (c == UInt8(ascii: "-") || c == UInt8(ascii: "+"))) {
                return nil
            }
        }
        var places = fraction
        if let start = exponentStart {
            guard let exponent = Int(String(decoding: bytes[start...], as: UTF8.self)) else { return nil }
            places -= exponent
        }
        places = max(0, places)
        return places <= 17 ? places : nil
    }

    /// Powers of ten that are exact in a `Double` (10^22 is the largest).
    private static let exactPowersOfTen: [Double] = (0...22).map { e in
        var p = 1.0
        for _ in 0..<e { p *= 10 }
        return p
    }

    /// The value of a plain decimal `[+-]digits[.digits][(e|E)[+-]digits]` (at most 4 exponent
    /// digits), correctly rounded; nil when the text is anything else (the caller then falls back to
    /// the full parser, which gives the same value on these inputs) or the value is not finite.
    /// Clinger's fast path (Clinger 1990, "How to read floating point numbers accurately") when the
    /// significant digits form an integer w <= 2^53 and the decimal exponent e has |e| <= 22: w·10^e or
    /// w/10^-e, one correctly rounded operation on exact operands. Otherwise (the 16-17 digit shortest
    /// forms of most random draws land here) C's `strtod` on a stack copy, which is correctly rounded
    /// too (glibc), without building a String.
    static func plainDecimal(_ bytes: UnsafeBufferPointer<UInt8>) -> Double? {
        let n = bytes.count
        var i = 0
        var negative = false
        if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
            negative = bytes[i] == UInt8(ascii: "-")
            i += 1
        }
        var w: UInt64 = 0
        var significant = 0
        var sawDigit = false
        var exponent = 0
        var inFraction = false
        while i < n {
            let c = bytes[i]
            if c == UInt8(ascii: ".") {
                if inFraction { return nil }
                inFraction = true
            } else if c >= UInt8(ascii: "0") && c <= UInt8(ascii: "9") {
                sawDigit = true
                if w != 0 || c != UInt8(ascii: "0") { significant += 1 }
                // Past 19 digits w would overflow: only the grammar is checked from here on.
                if significant <= 19 {
                    w = w &* 10 &+ UInt64(c &- UInt8(ascii: "0"))
                    if inFraction { exponent -= 1 }
                }
            } else {
                break
            }
            i += 1
        }
        guard sawDigit else { return nil }
        if i < n {
            guard bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") else { return nil }
            i += 1
            var exponentNegative = false
            if i < n, bytes[i] == UInt8(ascii: "-") || bytes[i] == UInt8(ascii: "+") {
                exponentNegative = bytes[i] == UInt8(ascii: "-")
                i += 1
            }
            var e = 0
            var exponentDigits = 0
            while i < n, bytes[i] >= UInt8(ascii: "0") && bytes[i] <= UInt8(ascii: "9") {
                e = e * 10 + Int(bytes[i] - UInt8(ascii: "0"))
                exponentDigits += 1
                if exponentDigits > 4 { return nil }
                i += 1
            }
            guard exponentDigits > 0, i == n else { return nil }
            exponent += exponentNegative ? -e : e
        }
        guard significant <= 19, w <= 1 << 53, exponent >= -22, exponent <= 22 else { return correctlyRounded(bytes) }
        var value = Double(w)
        if exponent > 0 { value *= exactPowersOfTen[exponent] }
        if exponent < 0 { value /= exactPowersOfTen[-exponent] }
        return negative ? -value : value
    }
}
