import Testing
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
}
