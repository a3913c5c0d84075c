// Elementary functions for the samplers. The Swift standard library has none, so they come from the
// platform's C library (Foundation is not needed). Only `Double -> Double` functions leave this file:
// no C type reaches the rest of the module.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Natural logarithm and exponential, under names that do not clash with local variables.
enum Math {
    @inline(__always) static func ln(_ x: Double) -> Double { log(x) }
    @inline(__always) static func exponential(_ x: Double) -> Double { exp(x) }
    @inline(__always) static func complementaryError(_ x: Double) -> Double { erfc(x) }
    @inline(__always) static func power(_ x: Double, _ y: Double) -> Double { pow(x, y) }
    @inline(__always) static func cos(_ x: Double) -> Double { Glibc.cos(x) }
    @inline(__always) static func sin(_ x: Double) -> Double { Glibc.sin(x) }
    @inline(__always) static func tanh(_ x: Double) -> Double { Glibc.tanh(x) }

    /// Φ(b) − Φ(a) for a <= b, the standard normal mass of [a, b], computed on the side of the
    /// distribution where it does not cancel.
    static func normalMass(_ a: Double, _ b: Double) -> Double {
        let r = 0.707_106_781_186_547_6   // 1/√2
        if a > 0 { return 0.5 * (erfc(a * r) - erfc(b * r)) }
        if b < 0 { return 0.5 * (erfc(-b * r) - erfc(-a * r)) }
        return 1 - 0.5 * (erfc(-a * r) + erfc(b * r))
    }

    /// The integer nearest to x toward zero, clamped to ±2^53 (NaN → 0). For counts and indices
    /// computed from request values, where `Int(x)` would trap on a huge or non-finite x.
    static func saturatingInt(_ x: Double) -> Int {
        let limit = Double(ValueFormatting.maxExactInteger)
        guard !x.isNaN else { return 0 }
        return Int(Swift.min(Swift.max(x, -limit), limit))
    }

    /// Standard normal density and distribution function.
    static func normalDensity(_ z: Double) -> Double { 0.398_942_280_401_432_7 * exp(-0.5 * z * z) }
    static func normalCDF(_ z: Double) -> Double { 0.5 * erfc(-z * 0.707_106_781_186_547_6) }

    /// ln Γ(x) for x > 0.
    static func logGamma(_ x: Double) -> Double { lgamma(x) }

    /// Φ⁻¹(p) for p ∈ (0, 1), by bisection on `normalCDF` over [−40, 40] (100 halvings: below the
    /// spacing of doubles there); ±40 at or beyond the ends.
    static func normalQuantile(_ p: Double) -> Double {
        guard p > 0 else { return -40 }
        guard p < 1 else { return 40 }
        var a = -40.0, b = 40.0
        for _ in 0..<100 {
            let m = 0.5 * (a + b)
            if normalCDF(m) < p { a = m } else { b = m }
        }
        return 0.5 * (a + b)
    }
}
