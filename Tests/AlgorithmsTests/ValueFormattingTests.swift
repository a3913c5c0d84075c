import Testing
import Foundation
@testable import Algorithms

@Suite struct ValueFormattingTests {
    @Test(arguments: [
        (1e-05, "0.00001"), (0.1, "0.1"), (1.0, "1"), (-2.5, "-2.5"), (0.0, "0"), (-0.0, "0"),
        (1.5e20, "150000000000000000000"), (123.456, "123.456"), (0.019999999999999997, "0.019999999999999997"),
        (1e16, "10000000000000000"), (Double.leastNonzeroMagnitude, "0." + String(repeating: "0", count: 323) + "5"),
        (-1.25e-7, "-0.000000125"), (100, "100"),
    ])
    func plainShortestDecimal(value: Double, expected: String) {
        #expect(ValueFormatting.formatDouble(value) == expected)
    }

    @Test func roundTripsAndNeverUsesExponent() {
        var rng = SeededRandom(seed: 42)
        var values: [Double] = [.greatestFiniteMagnitude, -.greatestFiniteMagnitude, .leastNormalMagnitude,
                                .leastNonzeroMagnitude, 0.1 + 0.2, 1 / 3, 2.0 / 3e-300, 9007199254740994]
        for _ in 0..<2000 {
            let bits = rng.next()
            let d = Double(bitPattern: bits)
            if d.isFinite { values.append(d) }
            values.append((rng.uniform() - 0.5) * 1000)
        }
        for v in values {
            let text = ValueFormatting.formatDouble(v)
            #expect(Double(text) == v, "\(v) formatted as \(text)")
            #expect(!text.contains("e") && !text.contains("E"), "\(text)")
            #expect(!text.hasSuffix(".0") && !text.hasSuffix("."), "\(text)")
        }
    }

    @Test func parsingRejectsNonFiniteAndGarbage() {
        for bad in ["nan", "NaN", "inf", "-inf", "infinity", "", " ", "abc", "1,5", "0x", "1e999"] {
            #expect(ValueFormatting.parseDouble(bad) == nil, "\(bad)")
        }
        #expect(ValueFormatting.parseDouble(" 2.5 ") == 2.5)
        #expect(ValueFormatting.parseDouble("-0") == 0)
        #expect(ValueFormatting.parseDouble("1e-3") == 0.001)
    }

    @Test func integers() {
        #expect(ValueFormatting.parseInteger("42") == 42)
        #expect(ValueFormatting.parseInteger("-3") == -3)
        #expect(ValueFormatting.parseInteger("3.0") == 3)
        #expect(ValueFormatting.parseInteger("1e3") == 1000)
        #expect(ValueFormatting.parseInteger("1.5") == nil)
        #expect(ValueFormatting.parseInteger("9007199254740993") == nil)   // 2^53 + 1
        #expect(ValueFormatting.parseInteger("9007199254740992") == 1 << 53)
        #expect(ValueFormatting.parseInteger("x") == nil)
    }

    @Test func decimalPlaces() {
        #expect(ValueFormatting.decimalPlaces("0.005") == 3)
        #expect(ValueFormatting.decimalPlaces("1.25e-3") == 5)
        #expect(ValueFormatting.decimalPlaces("5e2") == 0)
        #expect(ValueFormatting.decimalPlaces("-2.50") == 2)
        #expect(ValueFormatting.decimalPlaces("abc") == nil)
        #expect(ValueFormatting.decimalPlaces("1e-30") == nil)
    }

    /// The byte parser must agree bit for bit with the full parser wherever it answers, and must answer
    /// for every plain form the service writes (16-17 digit shortest forms included: strtod's path).
    @Test func plainDecimalFastPathAgreesWithTheFullParser() {
        var rng = SeededRandom(seed: 7)
        var texts = ["0", "-0", "+1", ".5", "5.", "007", "1e22", "1e-22", "9007199254740992", "9007199254740993",
                     "0.000001", "123456789012345678", "1.5E3", "2e+2", "-0.0000", "1e", "e5", "1.2.3", "--1", "0x10",
                     " 1", "1 ", "", ".", "-", "1e00005", "12345678901234567890", "0.1", "0.2", "0.3",
                     "0.123456789012345678901234567890", "1e308", "1e309", "-1e-400", "4.9e-324", "2.2250738585072011e-308"]
        for _ in 0..<3000 {
            let v = (rng.uniform() - 0.5) * pow(10, Double(rng.index(below: 20)) - 10)
            texts.append(String(v))                                    // shortest, maybe with an exponent
            texts.append(ValueFormatting.formatDouble(v))               // plain notation
            texts.append(String(Int64(v * 1000)))                       // integers
            texts.append(String(format: "%.\(rng.index(below: 12))f", v))
        }
        var answered = 0
        var written: Set<String> = []
        for _ in 0..<2000 {
            written.insert(ValueFormatting.formatDouble((rng.uniform() - 0.5) * pow(10, Double(rng.index(below: 30)) - 15)))
        }
        texts += written
        for text in texts {
            let fast = text.utf8.withContiguousStorageIfAvailable { ValueFormatting.plainDecimal($0) } ?? nil
            if written.contains(text) { #expect(fast != nil, "\(text): the service's own form") }
            if let fast {
                answered += 1
                let full = Double(text)
                #expect(full != nil && fast.bitPattern == full!.bitPattern, "\(text): \(fast) vs \(String(describing: full))")
            }
            let parsed = ValueFormatting.parseDouble(text)
            let reference = Double(text.trimming()).flatMap { $0.isFinite ? $0 : nil }
            if parsed != nil || text.first.map({ "+-.0123456789".contains($0) }) == true {
                #expect(parsed?.bitPattern == reference?.bitPattern, "\(text)")
            }
        }
        #expect(answered > texts.count / 2)
    }
}
