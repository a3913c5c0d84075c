import Testing
@testable import Algorithms

@Suite struct SeededRandomTests {
    @Test func referenceValues() {
        // SplitMix64 reference (https://prng.di.unimi.it/splitmix64.c) seeded with 1234567:
        // first outputs 6457827717110365317, 3203168211198807973.
        var sm = SplitMix64(state: 1234567)
        #expect(sm.next() == 6457827717110365317)
        #expect(sm.next() == 3203168211198807973)
        // Same seed, same stream; different seed, different stream.
        var a = SeededRandom(seed: 99), b = SeededRandom(seed: 99), c = SeededRandom(seed: 100)
        let sa = (0..<8).map { _ in a.next() }
        #expect(sa == (0..<8).map { _ in b.next() })
        #expect(sa != (0..<8).map { _ in c.next() })
        // xoshiro256** seeded through SplitMix64 with 42, from an independent Python transcription of
        // the reference C code.
        var r = SeededRandom(seed: 42)
        #expect([r.next(), r.next(), r.next()] == [1546998764402558742, 6990951692964543102, 12544586762248559009])
    }

    @Test func uniformAndIndexRanges() {
        var rng = SeededRandom(seed: 1)
        var hits = [Int](repeating: 0, count: 7)
        for _ in 0..<7000 {
            let u = rng.uniform()
            #expect(u >= 0 && u < 1)
            hits[rng.index(below: 7)] += 1
        }
        #expect(hits.allSatisfy { $0 > 850 && $0 < 1150 }, "\(hits)")
        #expect((0..<100).allSatisfy { _ in rng.index(below: 1) == 0 })
    }

    @Test func normalMoments() {
        var rng = SeededRandom(seed: 3)
        let n = 20000
        let xs = (0..<n).map { _ in rng.normal() }
        let mean = xs.reduce(0, +) / Double(n)
        let variance = xs.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n - 1)
        #expect(abs(mean) < 0.05 && abs(variance - 1) < 0.05, "mean \(mean) variance \(variance)")
        let truncated = (0..<n).map { _ in rng.truncatedNormal(mean: 0.5, standardDeviation: 1.0 / 6, lower: 0, upper: 1) }
        #expect(truncated.allSatisfy { $0 >= 0 && $0 <= 1 })
        let central = truncated.filter { abs($0 - 0.5) <= 1.0 / 6 }.count
        #expect(abs(Double(central) / Double(n) - 0.6827 / 0.9973) < 0.02)
    }

    @Test func shuffleIsAPermutation() {
        var rng = SeededRandom(seed: 5)
        var a = Array(0..<50)
        rng.shuffle(&a)
        #expect(a.sorted() == Array(0..<50) && a != Array(0..<50))
    }

    @Test func stableHasherSeparatesFields() {
        var h1 = StableHasher(), h2 = StableHasher(), h3 = StableHasher()
        h1.combine("ab"); h1.combine("c")
        h2.combine("a"); h2.combine("bc")
        h3.combine("ab"); h3.combine("c")
        #expect(h1.finalize() != h2.finalize())
        #expect(h1.finalize() == h3.finalize())
        // Pinned so that an accidental change of the hash (and thus of every suggestion) is noticed.
        var empty = StableHasher()
        empty.combine("")
        #expect(empty.finalize() == 13412868680399419336)
    }
}
