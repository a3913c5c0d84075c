/// Deterministic randomness. Every random choice a sampler makes comes from a `SeededRandom` whose seed
/// is derived from the request (`SeedDerivation`), never from `SystemRandomNumberGenerator`, so the
/// same request gives the same reply on any replica, after any restart.
///
/// Generator: xoshiro256** 1.0 (Blackman and Vigna, "Scrambled linear pseudorandom number generators",
/// ACM TOMS 2021, https://prng.di.unimi.it/xoshiro256starstar.c), state seeded from one 64-bit seed by
/// SplitMix64 (https://prng.di.unimi.it/splitmix64.c) as its authors recommend. The derived
/// distributions (`uniform`, `index(below:)`, `normal`) are implemented here, not taken from the standard
/// library's `random(in:using:)`, whose algorithms are not promised to stay the same across Swift releases.
public struct SeededRandom: RandomNumberGenerator, Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(state: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
        if s0 | s1 | s2 | s3 == 0 { s0 = 1 }   // the all-zero state is the one fixed point
    }

    public mutating func next() -> UInt64 {
        let result = rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = rotl(s3, 45)
        return result
    }

    /// Uniform on [0, 1): the top 53 bits of one output, times 2^-53 (every value a multiple of 2^-53).
    public mutating func uniform() -> Double {
        Double(next() >> 11) * 0x1p-53
    }

    /// Uniform integer in 0..<bound (bound > 0), unbiased (Lemire, "Fast random integer generation in an
    /// interval", ACM TOMACS 2019).
    public mutating func index(below bound: Int) -> Int {
        precondition(bound > 0, "index(below:) needs a positive bound")
        let range = UInt64(bound)
        var product = next().multipliedFullWidth(by: range)
        if product.low < range {
            let threshold = (0 &- range) % range
            while product.low < threshold { product = next().multipliedFullWidth(by: range) }
        }
        return Int(product.high)
    }

    /// Standard normal deviate (Marsaglia's polar method; the second deviate is discarded so that the
    /// generator has no hidden state besides its four words).
    public mutating func normal() -> Double {
        while true {
            let u = 2 * uniform() - 1
            let v = 2 * uniform() - 1
            let s = u * u + v * v
            if s > 0 && s < 1 { return u * (-2 * Math.ln(s) / s).squareRoot() }
        }
    }

    /// Normal with the given mean and standard deviation, truncated to [lower, upper] by rejection
    /// (exact truncated-normal law). Needs lower <= upper; when the interval holds little mass
    /// (more than 1000 rejections, i.e. under ~0.1%), falls back to uniform on the interval.
    public mutating func truncatedNormal(mean: Double, standardDeviation sd: Double,
                                         lower: Double, upper: Double) -> Double {
        for _ in 0..<1000 {
            let x = mean + sd * normal()
            if x >= lower && x <= upper { return x }
        }
        return lower + uniform() * (upper - lower)
    }

    /// Fisher–Yates shuffle driven by this generator.
    public mutating func shuffle<T>(_ array: inout [T]) {
        guard array.count > 1 else { return }
        for i in stride(from: array.count - 1, to: 0, by: -1) {
            array.swapAt(i, index(below: i + 1))
        }
    }

    @inline(__always) private func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }
}

/// SplitMix64 (Steele, Lea and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014).
/// Used to expand one seed into generator state and as the finaliser of `StableHasher`.
struct SplitMix64 {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return Self.mix(state)
    }
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A 64-bit hash that is the same in every process and on every platform (Swift's `Hasher` is seeded
/// per process, so it cannot derive seeds). Input is consumed as 64-bit words: each word is folded in
/// by xor, multiply by the golden-ratio constant and a rotation; a string is its UTF-8 length, then its
/// bytes as little-endian words, the last one zero-padded (the length prefix tells "ab"+"c" from
/// "a"+"bc"). `finalize` applies the SplitMix64 mixer for avalanche.
/// Not cryptographic; it only has to spread different requests over different seeds.
public struct StableHasher: Sendable {
    private var state: UInt64 = 0xCBF2_9CE4_8422_2325

    public init() {}

    public mutating func combine(_ value: UInt64) { word(value) }

    public mutating func combine(_ value: Int64) { combine(UInt64(bitPattern: value)) }

    public mutating func combine(_ text: String) {
        var text = text
        text.withUTF8 { combine(utf8: $0) }
    }

    /// The same as `combine(_: String)` for the string whose UTF-8 encoding is `bytes`.
    public mutating func combine(utf8 bytes: UnsafeBufferPointer<UInt8>) {
        word(UInt64(bytes.count))
        let raw = UnsafeRawBufferPointer(bytes)
        var i = 0
        while i + 8 <= raw.count {
            word(UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)))
            i += 8
        }
        if i < raw.count {
            var tail: UInt64 = 0
            var shift: UInt64 = 0
            while i < raw.count {
                tail |= UInt64(raw[i]) << shift
                shift += 8
                i += 1
            }
            word(tail)
        }
    }

    public func finalize() -> UInt64 { SplitMix64.mix(state) }

    @inline(__always) private mutating func word(_ w: UInt64) {
        let x = (state ^ w) &* 0x9E37_79B9_7F4A_7C15
        state = (x << 27) | (x >> 37)
    }
}
