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
}
