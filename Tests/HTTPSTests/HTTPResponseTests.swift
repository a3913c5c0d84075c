import Testing
import SuggestionAPI
@testable import HTTPS

@Suite struct HTTPResponseTests {
    @Test func chunkSizesThatOverflowAreMalformed() {
        let head = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        for size in ["7fffffffffffffff", "ffffffffffffffff", "10000000000000000"] {
            let bytes = head + Array("\(size)\r\nabc\r\n0\r\n\r\n".utf8)
            #expect(throws: RPCError.self) { _ = try HTTPResponse.parse(bytes, from: "api:443") }
        }
    }
}
