import Testing
@testable import AuthKit

@Suite struct JSONParserTests {
    /// Expected messages produced by CPython 3.11's json module for the same input.
    static let pythonErrors: [(String, String)] = [
        ("", "Expecting value: line 1 column 1 (char 0)"),
        ("   ", "Expecting value: line 1 column 4 (char 3)"),
        ("{", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("{\"a\"", "Expecting ':' delimiter: line 1 column 5 (char 4)"),
        ("{\"a\":", "Expecting value: line 1 column 6 (char 5)"),
        ("{\"a\":1", "Expecting ',' delimiter: line 1 column 7 (char 6)"),
        ("{\"a\":1,", "Expecting property name enclosed in double quotes: line 1 column 8 (char 7)"),
        ("{\"a\" 1}", "Expecting ':' delimiter: line 1 column 6 (char 5)"),
        ("{\"a\":1 \"b\":2}", "Expecting ',' delimiter: line 1 column 8 (char 7)"),
        ("[", "Expecting value: line 1 column 2 (char 1)"),
        ("[1", "Expecting ',' delimiter: line 1 column 3 (char 2)"),
        ("[1,", "Expecting value: line 1 column 4 (char 3)"),
        ("[1 2]", "Expecting ',' delimiter: line 1 column 4 (char 3)"),
        ("[1,]", "Expecting value: line 1 column 4 (char 3)"),
        ("{,}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("tru", "Expecting value: line 1 column 1 (char 0)"),
        ("-", "Expecting value: line 1 column 1 (char 0)"),
        ("01", "Extra data: line 1 column 2 (char 1)"),
        ("1.", "Extra data: line 1 column 2 (char 1)"),
        ("1e", "Extra data: line 1 column 2 (char 1)"),
        ("\"abc", "Unterminated string starting at: line 1 column 1 (char 0)"),
        ("\"a\\x\"", "Invalid \\escape: line 1 column 3 (char 2)"),
        ("\"a\\u12\"", "Invalid \\uXXXX escape: line 1 column 4 (char 3)"),
        ("\"a\\u12G4\"", "Invalid \\uXXXX escape: line 1 column 4 (char 3)"),
        ("\"\\ud800", "Invalid \\uXXXX escape: line 1 column 3 (char 2)"),
        ("\"a\nb\"", "Invalid control character at: line 1 column 3 (char 2)"),
        ("{\"username\": \"alice\", ", "Expecting property name enclosed in double quotes: line 1 column 23 (char 22)"),
        ("{username: alice}", "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)"),
        ("{\"username\":\"x\"} x", "Extra data: line 1 column 18 (char 17)"),
        ("[]]", "Extra data: line 1 column 3 (char 2)"),
        ("{\"a\":[1,{\"b\":}]}", "Expecting value: line 1 column 14 (char 13)"),
        ("\n\n  x", "Expecting value: line 3 column 3 (char 4)"),
        ("{\"é\": x}", "Expecting value: line 1 column 7 (char 6)"),
        ("\"é\\q\"", "Invalid \\escape: line 1 column 3 (char 2)"),
    ]

    @Test(arguments: pythonErrors)
    func errorMessagesMatchPython(input: String, expected: String) {
        #expect(throws: JSONParser.Failure(message: expected)) { try JSONParser.parse(Array(input.utf8)) }
    }

    @Test func constantsAreRejectedLikeDRF() {
        for constant in ["NaN", "Infinity", "-Infinity"] {
            #expect(throws: JSONParser.Failure(message: "Out of range float values are not JSON compliant: '\(constant)'")) {
                try JSONParser.parse(Array("{\"a\": \(constant)}".utf8))
            }
        }
    }

    @Test func invalidUTF8UsesPythonCodecMessages() {
        #expect(throws: JSONParser.Failure(message: "'utf-8' codec can't decode byte 0xff in position 13: invalid start byte")) {
            try JSONParser.parse(Array("{\"username\":\"".utf8) + [0xFF] + Array("\"}".utf8))
        }
        #expect(throws: JSONParser.Failure(message: "'utf-8' codec can't decode bytes in position 1-2: unexpected end of data")) {
            try JSONParser.parse([0x22, 0xE2, 0x82])
        }
        #expect(throws: JSONParser.Failure(message: "'utf-8' codec can't decode byte 0xe0 in position 0: invalid continuation byte")) {
            try JSONParser.parse([0xE0, 0x80, 0x80])
        }
    }

    @Test func hugeIntegersAreRefusedAsInCPython() {
        let digits = String(repeating: "1", count: 5000)
        #expect(throws: JSONParser.Failure(message: "Exceeds the limit (4300 digits) for integer string conversion: value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit")) {
            try JSONParser.parse(Array("{\"a\":\(digits)}".utf8))
        }
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParser.Failure(message: "maximum recursion depth exceeded while decoding a JSON array from a unicode string")) {
            try JSONParser.parse(Array(deep.utf8))
        }
        let ok = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONParser.parse(Array(ok.utf8)) }
    }

    @Test func parsesValuesKeepingKeyOrderAndLastDuplicate() throws {
        let value = try JSONParser.parse(Array(#" {"b": 1, "a": [true, false, null], "b": "x\u00e9\ud83d\ude42\n"} "#.utf8))
        guard case .object(let o) = value else { Issue.record("not an object"); return }
        #expect(o.entries.map(\.key) == ["b", "a"])
        #expect(o["b"] == .string("xé🙂\n"))
        #expect(o["a"] == .array([.bool(true), .bool(false), .null]))
    }

    @Test func loneSurrogatesAreKept() throws {
        let value = try JSONParser.parse(Array(#""a\ud800b""#.utf8))
        #expect(value == .surrogateString(text: "a\u{FFFD}b", surrogate: 0xD800))
    }

    @Test func byteOrderMarkIsRejected() {
        #expect(throws: JSONParser.Failure(message: "Unexpected UTF-8 BOM (decode using utf-8-sig): line 1 column 1 (char 0)")) {
            try JSONParser.parse([0xEF, 0xBB, 0xBF] + Array("{}".utf8))
        }
    }
}

@Suite struct JSONWriterTests {
    @Test func compactOrderedOutputLikeDRF() {
        var object = JSONObject()
        object.append("detail", "Method \"GET\" not allowed.")
        object.append("n", 5)
        object.append("list", [true, nil, "é\u{2028}\t\u{01}"])
        let text = String(decoding: JSONWriter.encode(.object(object)), as: UTF8.self)
        #expect(text == #"{"detail":"Method \"GET\" not allowed.","n":5,"list":[true,null,"é\u2028\t\u0001"]}"#)
    }
}

@Suite struct PythonConversionTests {
    /// `str(float(literal))` in CPython.
    static let floats: [(String, String)] = [
        ("1e16", "1e+16"), ("1e15", "1000000000000000.0"), ("1.0", "1.0"), ("1E5", "100000.0"),
        ("0.1", "0.1"), ("1e-5", "1e-05"), ("1e-4", "0.0001"), ("1.5e300", "1.5e+300"), ("1e400", "inf"),
        ("-1e400", "-inf"), ("12.50", "12.5"), ("0.000123", "0.000123"), ("1e22", "1e+22"),
        ("1.23456789012345678", "1.2345678901234567"), ("-0.0", "-0.0"), ("5e-324", "5e-324"),
        ("1.7976931348623157e308", "1.7976931348623157e+308"), ("123456789.123", "123456789.123"),
        ("9999999999999998.0", "9999999999999998.0"), ("0.30000000000000004", "0.30000000000000004"),
        ("100.0", "100.0"), ("2.5e-7", "2.5e-07"), ("-12.0e3", "-12000.0"),
    ]

    @Test(arguments: floats)
    func floatRepr(literal: String, expected: String) {
        #expect(JSONNumber(literal: literal).pythonString == expected)
    }

    @Test func integers() {
        #expect(JSONNumber(literal: "-0").pythonString == "0")
        #expect(JSONNumber(literal: "123456789012345678901234567890").pythonString == "123456789012345678901234567890")
        #expect(JSONNumber(literal: "-42").pythonString == "-42")
    }

    @Test func reprOfContainersAndStrings() {
        #expect(PythonRepr.str(["app"]) == "['app']")
        #expect(PythonRepr.str(.object(["a": 1, "b": [true, nil]])) == "{'a': 1, 'b': [True, None]}")
        #expect(PythonRepr.str("it's") == "it's")
        #expect(PythonRepr.repr("it's") == "\"it's\"")
        #expect(PythonRepr.repr("a\u{0}\n\u{7f}é\u{200b}") == "'a\\x00\\n\\x7fé\\u200b'")
        #expect(PythonRepr.str(.number(JSONNumber(literal: "1.50"))) == "1.5")
        #expect(PythonRepr.str(.bool(false)) == "False")
    }
}
