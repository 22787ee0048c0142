import Testing
@testable import AuthKit

@Suite struct BodyParserTests {
    func parse(_ contentType: String?, _ body: String) -> Result<JSONValue, APIError> {
        let request = HTTPRequest(method: .post, path: "/", contentType: contentType, body: Array(body.utf8))
        return Result { () throws(APIError) -> JSONValue in try BodyParser.parse(request) }
    }

    func detail(_ result: Result<JSONValue, APIError>) -> String? {
        guard case .failure(let error) = result, case .object(let o) = error.body, case .string(let s)? = o["detail"] else { return nil }
        return s
    }

    @Test func emptyBodyIsAnEmptyObjectWhateverTheType() throws {
        #expect(try parse(nil, "").get() == .object(JSONObject()))
        #expect(try parse("text/plain", "").get() == .object(JSONObject()))
        #expect(try parse("application/json", "").get() == .object(JSONObject()))
    }

    @Test func unsupportedTypesAre415WithTheTypeAsSent() {
        let plain = parse("text/plain", "username=alice")
        #expect(detail(plain) == "Unsupported media type \"text/plain\" in request.")
        if case .failure(let e) = plain { #expect(e.status == .unsupportedMediaType) }
        #expect(detail(parse("application/xml", "<a/>")) == "Unsupported media type \"application/xml\" in request.")
        #expect(detail(parse(nil, "{}")) == "Unsupported media type \"\" in request.")
        #expect(detail(parse("text/plain; charset=utf-8", "x")) == "Unsupported media type \"text/plain; charset=utf-8\" in request.")
    }

    @Test func jsonVariantsAndParseErrors() throws {
        #expect(try parse("application/json; charset=UTF-8", #"{"a":"b"}"#).get() == .object(["a": "b"]))
        #expect(try parse("Application/JSON", #"{"a":"b"}"#).get() == .object(["a": "b"]))
        #expect(detail(parse("application/json", "{username: alice}"))
                == "JSON parse error - Expecting property name enclosed in double quotes: line 1 column 2 (char 1)")
        let latin1 = HTTPRequest(method: .post, path: "/", contentType: "application/json; charset=latin-1",
                                 body: Array(#"{"a":""#.utf8) + [0xE9] + Array(#""}"#.utf8))
        #expect(try BodyParser.parse(latin1) == .object(["a": "é"]))
    }

    @Test func formBodiesLikeQueryDict() throws {
        let value = try parse("application/x-www-form-urlencoded", "username=al+ice%21&password=S3cret-pass%21&username=bob&empty=").get()
        #expect(value == .object(["username": "bob", "password": "S3cret-pass!", "empty": ""]))
    }

    @Test func multipartBodies() throws {
        let body = "--B\r\nContent-Disposition: form-data; name=\"username\"\r\n\r\nalice\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nignored\r\n"
            + "--B\r\nContent-Disposition: form-data; name=\"password\"\r\n\r\nS3cret-pass!\r\n--B--\r\n"
        #expect(try parse("multipart/form-data; boundary=B", body).get() == .object(["username": "alice", "password": "S3cret-pass!"]))
        #expect(detail(parse("multipart/form-data", body)) == "Multipart form parse error - Invalid boundary in multipart: None")
    }
}

/// Bodies of thousands of distinct keys parse in linear time (the object indexes its keys past
/// a small size) with the same semantics as small ones: a repeated key keeps its last value at
/// the position of its first occurrence, as Python's json and Django's QueryDict do.
@Suite struct LargeObjectTests {
    @Test func largeObjectsKeepPythonSemantics() throws {
        var json = "{"
        var form = ""
        for i in 0..<7_000 {
            json += "\"k\(i)\":\(i),"
            form += "k\(i)=\(i)&"
        }
        json += "\"k5\":\"again\",\"k6999\":\"last\"}"
        form += "k5=again&k6999=last"
        guard case .object(let parsed) = try JSONParser.parse(Array(json.utf8)) else {
            Issue.record("not an object")
            return
        }
        let fromForm = FormURLEncoded.parse(Array(form.utf8))
        for object in [parsed, fromForm] {
            #expect(object.count == 7_000)
            #expect(object.entries[5].key == "k5")
            #expect(object["k5"] == .string("again") || object["k5"] == "again")
            #expect(object["k6999"] == "last")
            #expect(object["k4000"] == .string("4000") || object["k4000"] == 4000)
            #expect(object["missing"] == nil)
        }
        // Removing a key of a large object keeps the others reachable.
        var copy = parsed
        copy["k10"] = nil
        #expect(copy.count == 6_999 && copy["k11"] == 11 && copy["k10"] == nil)
        // Small and large objects compare by their entries only.
        var small = JSONObject()
        small["a"] = 1
        small["a"] = 2
        #expect(small == JSONObject([("a", 2)]))
    }
}


/// Bodies are capped at 1,000 fields, as Django's DATA_UPLOAD_MAX_NUMBER_FIELDS caps forms:
/// this API's bodies have a handful, and each field costs far more to parse than its bytes.
@Suite struct FieldCountTests {
    func request(_ contentType: String, _ body: String) -> HTTPRequest {
        HTTPRequest(method: .post, path: "/api/auth/login/", contentType: contentType, body: Array(body.utf8))
    }

    @Test func bodiesOfMoreThanAThousandFieldsAreRefused() {
        let pairs = (n: 1000, over: 1001)
        func form(_ n: Int) -> String { (0..<n).map { "k\($0)=v" }.joined(separator: "&") }
        func json(_ n: Int) -> String { "{" + (0..<n).map { "\"k\($0)\":1" }.joined(separator: ",") + "}" }
        #expect((try? BodyParser.parse(request("application/x-www-form-urlencoded", form(pairs.n)))) != nil)
        #expect((try? BodyParser.parse(request("application/json", json(pairs.n)))) != nil)
        do {
            _ = try BodyParser.parse(request("application/x-www-form-urlencoded", form(pairs.over)))
            Issue.record("accepted")
        } catch {
            #expect(String(decoding: JSONWriter.encode(error.body), as: UTF8.self)
                    == #"{"detail":"The number of GET/POST parameters exceeded settings.DATA_UPLOAD_MAX_NUMBER_FIELDS."}"#)
        }
        do {
            _ = try BodyParser.parse(request("application/json", json(pairs.over)))
            Issue.record("accepted")
        } catch {
            #expect(String(decoding: JSONWriter.encode(error.body), as: UTF8.self).hasPrefix(
                #"{"detail":"JSON parse error - Too many object members (more than 1000): line 1 column "#))
        }
        let multipart = (0..<pairs.over).map { "--b\r\nContent-Disposition: form-data; name=\"k\($0)\"\r\n\r\nv\r\n" }.joined() + "--b--\r\n"
        #expect(throws: APIError.self) { try BodyParser.parse(request("multipart/form-data; boundary=b", multipart)) }
    }
}
