import Testing
import SuggestionAPI
@testable import GRPCTransport

@Suite struct TransportFramingTests {
    @Test func timeoutParsing() {
        #expect(GRPCFraming.parseTimeout(Array("1H".utf8)) == .seconds(3600))
        #expect(GRPCFraming.parseTimeout(Array("2M".utf8)) == .seconds(120))
        #expect(GRPCFraming.parseTimeout(Array("3S".utf8)) == .seconds(3))
        #expect(GRPCFraming.parseTimeout(Array("250m".utf8)) == .milliseconds(250))
        #expect(GRPCFraming.parseTimeout(Array("7u".utf8)) == .microseconds(7))
        #expect(GRPCFraming.parseTimeout(Array("99999999n".utf8)) == .nanoseconds(99_999_999))
        #expect(GRPCFraming.parseTimeout(Array("99999999H".utf8)) == .seconds(99_999_999 * 3600))
        for bad in ["", "S", "1", "1x", "-1S", "123456789S", "1.5S", " 1S", "1s"] {
            #expect(GRPCFraming.parseTimeout(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func timeoutEncodingRoundsUpAndFitsEightDigits() {
        #expect(GRPCFraming.encodeTimeout(.milliseconds(20)) == "20000000n")
        #expect(GRPCFraming.encodeTimeout(.seconds(1)) == "1000000u")
        #expect(GRPCFraming.encodeTimeout(.seconds(60)) == "60000000u")
        #expect(GRPCFraming.encodeTimeout(.seconds(3600)) == "3600000m")
        #expect(GRPCFraming.encodeTimeout(.nanoseconds(100_000_001)) == "100001u")
        #expect(GRPCFraming.encodeTimeout(.zero) == "0n")
        #expect(GRPCFraming.encodeTimeout(.seconds(-5)) == "0n")
        #expect(GRPCFraming.encodeTimeout(.seconds(Int64.max)) == "99999999H")
        for d in [Duration.milliseconds(1), .seconds(7), .seconds(86_400 * 30), .microseconds(123_456_789)] {
            let text = GRPCFraming.encodeTimeout(d)
            let parsed = GRPCFraming.parseTimeout(Array(text.utf8))
            #expect(parsed != nil && parsed! >= d, "\(text)")
        }
    }

    @Test func percentEncodingRoundTrips() {
        let message = "bad «value»: 100% ✓\nnext\u{0}"
        let encoded = GRPCFraming.percentEncode(message)
        #expect(encoded.allSatisfy { $0 >= 0x20 && $0 <= 0x7E })
        #expect(String(decoding: encoded, as: UTF8.self).hasPrefix("bad %C2%ABvalue%C2%BB: 100%25 "))
        #expect(GRPCFraming.percentDecode(encoded) == message)
        #expect(GRPCFraming.percentDecode(Array("50%".utf8)) == "50%")
        #expect(GRPCFraming.percentDecode(Array("%zz%4".utf8)) == "%zz%4")
        #expect(GRPCFraming.percentDecode(Array("%FF".utf8)) == "\u{FFFD}")
    }

    @Test func statusParsing() {
        #expect(GRPCFraming.parseStatus(Array("0".utf8)) == .ok)
        #expect(GRPCFraming.parseStatus(Array("14".utf8)) == .unavailable)
        #expect(GRPCFraming.parseStatus(Array("".utf8)) == nil)
        #expect(GRPCFraming.parseStatus(Array("-1".utf8)) == nil)
        #expect(GRPCFraming.parseStatus(Array("9999999999".utf8)) == nil)
    }

    private func assemble(_ chunks: [[UInt8]], limit: Int = 100) -> Result<[UInt8], MessageAssembler.Failure> {
        var a = MessageAssembler(limit: limit)
        for c in chunks { c.withUnsafeBytes { a.append($0) } }
        return a.finish()
    }

    @Test func assemblerReassemblesAcrossChunks() {
        #expect(assemble([[0, 0, 0], [0, 3, 7], [8, 9]]) == .success([7, 8, 9]))
        #expect(assemble([[0, 0, 0, 0, 0]]) == .success([]))
        #expect(assemble([]) == .failure(.noMessage))
        #expect(assemble([[0, 0, 0]]) == .failure(.truncated))
        #expect(assemble([[0, 0, 0, 0, 3, 7]]) == .failure(.truncated))
        #expect(assemble([[0, 0, 0, 0, 1, 7, 0]]) == .failure(.multipleMessages))
        #expect(assemble([[1, 0, 0, 0, 1, 7]]) == .failure(.compressed))
        #expect(assemble([[0, 0, 0, 0, 101]]) == .failure(.tooLarge(declared: 101)))
        #expect(assemble([[0, 0xFF, 0xFF, 0xFF, 0xFF]]) == .failure(.tooLarge(declared: 0xFFFF_FFFF)))
    }

    @Test func framedCopyWritesPrefixThenMessage() {
        let message: [UInt8] = Array(1 ... 10)
        var out: [UInt8] = []
        var offset = 0
        var buffer = [UInt8](repeating: 0, count: 3)
        while offset < message.count + 5 {
            let n = buffer.withUnsafeMutableBytes { GRPCFraming.copyFramed(message, from: offset, into: $0) }
            out += buffer.prefix(n)
            offset += n
        }
        #expect(out == [0, 0, 0, 0, 10] + message)
    }
}
