import Testing
@testable import Algorithms

@Suite struct TrialNamingTests {
    @Test func namesAreShortLowercaseDNSLabelsThatParseBack() {
        let cases = ["simple-pbt", String(repeating: "a", count: 40), String(repeating: "b", count: 80),
                     "Upper_Case.and spaces", "-leading", "日本語", "x"]
        for experiment in cases {
            for fields in [[0, 0, 0, 0], [35, 36, 1295, 1296], [Int(Int32.max), 7, 0, Int(Int32.max)]] {
                let name = TrialNaming.name(experiment: experiment, code: "hb", fields: fields)
                #expect(name.utf8.count <= 63 && isDNSLabel(name), "\(name)")
                #expect(TrialNaming.parse(name, experiment: experiment, code: "hb", fieldCount: 4) == fields, "\(name)")
                #expect(TrialNaming.parse(name, experiment: experiment, code: "pbt", fieldCount: 4) == nil)
                #expect(TrialNaming.parse(name, experiment: experiment, code: "hb", fieldCount: 3) == nil)
            }
        }
        #expect(TrialNaming.name(experiment: "exp", code: "asha", fields: [10, 1, 36]) == "exp-asha-a-1-10")
    }

    @Test func foreignNamesDoNotParse() {
        for name in ["exp-hb-1-2-3", "exp-hb-1-2-3-X", "exp-hb-1-2--3", "other-hb-1-2-3-4", "hb-1-2-3-4",
                     "exp-bcdf2456", "exp-hb-1-2-3-4-", "exp-hb-1-2-3-zzzzzzzzzzzzz"] {
            #expect(TrialNaming.parse(name, experiment: "exp", code: "hb", fieldCount: 4) == nil, "\(name)")
        }
    }

    @Test func rungMathIsExactForIntegerEta() {
        #expect(RungMath.levels(minResource: 1, maxResource: 243, eta: 3) == 5)
        #expect(RungMath.levels(minResource: 1, maxResource: 242, eta: 3) == 4)
        #expect(RungMath.levels(minResource: 2, maxResource: 27, eta: 3) == 2)
        #expect(RungMath.levels(minResource: 1, maxResource: 0.5, eta: 3) == 0)
        #expect(RungMath.resources(maxResource: 100, eta: 10, top: 2) == [1, 10, 100])
        #expect(RungMath.ceil(4.5) == 5 && RungMath.ceil(9.000000000001) == 9 && RungMath.floor(2.9999999999999) == 3)
    }
}
