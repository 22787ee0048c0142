import Testing
@testable import AuthKit

@Suite struct LogTests {
    @Test func logfmtQuoting() {
        #expect(LineLogHandler.logfmtValue("plain") == "plain")
        #expect(LineLogHandler.logfmtValue("two words") == "\"two words\"")
        #expect(LineLogHandler.logfmtValue("a=b") == "\"a=b\"")
        #expect(LineLogHandler.logfmtValue("line\nbreak\"") == "\"line\\nbreak\\\"\"")
        #expect(LineLogHandler.logfmtValue("") == "\"\"")
    }

    @Test func timestampFormat() {
        let ts = LineLogHandler.timestamp()
        #expect(ts.count == 24)
        #expect(ts.hasSuffix("Z"))
        #expect(Array(ts)[10] == "T")
    }
}
