import Testing
@testable import AuthKit

@Suite struct DeviceCookieTests {
    let cookies = DeviceCookie(secretKey: "k" + String(repeating: "x", count: 40), lifetime: 86_400)

    @Test func roundTripsAndRotates() throws {
        let value = cookies.make(username: "alice@example", now: 1_000_000)
        let token = try #require(cookies.parse(value, now: 1_000_100))
        #expect(token.username == "alice@example")
        #expect(token.deviceID.count == 32)
        #expect(token.issuedAt == 1_000_000)
        #expect(cookies.make(username: "alice@example", now: 1_000_000) != value, "a new device id each time")
        #expect(value.allSatisfy { $0.isLetter || $0.isNumber || "-_.".contains($0) }, "cookie-safe characters only")
    }

    @Test func refusesWhatItDidNotSignOrWhatExpired() {
        let value = cookies.make(username: "alice", now: 1_000_000)
        #expect(cookies.parse(value, now: 1_000_000 + 86_400) == nil, "expired")
        #expect(cookies.parse(value, now: 999_000) == nil, "issued in the future")
        var parts = value.split(separator: ".").map(String.init)
        parts[1] = "Ym9i"  // "bob"
        #expect(cookies.parse(parts.joined(separator: "."), now: 1_000_100) == nil, "another name under the same MAC")
        let other = DeviceCookie(secretKey: "another key of enough length 0123456789", lifetime: 86_400)
        #expect(other.parse(value, now: 1_000_100) == nil, "another key")
        for junk in ["", "v1", "v1....", "v2." + value.dropFirst(3), value + "x", String(repeating: ".", count: 10_000)] {
            #expect(cookies.parse(junk, now: 1_000_100) == nil)
        }
    }
}

@Suite struct ThrottleKeyTests {
    @Test func clientsAreCountedByNetwork() {
        #expect(IPRange.network(of: "203.0.113.77", v4Prefix: 32, v6Prefix: 64) == "203.0.113.77/32")
        #expect(IPRange.network(of: "203.0.113.77", v4Prefix: 24, v6Prefix: 64) == "203.0.113.0/24")
        #expect(IPRange.network(of: "2001:db8:1:2:aaaa:bbbb:cccc:dddd", v4Prefix: 32, v6Prefix: 64) == "2001:db8:1:2:0:0:0:0/64")
        #expect(IPRange.network(of: "2001:db8:1:2:ffff::1", v4Prefix: 32, v6Prefix: 64)
                == IPRange.network(of: "2001:db8:1:2::9", v4Prefix: 32, v6Prefix: 64), "one /64, one budget")
        #expect(IPRange.network(of: "2001:db8:1:2:ffff::1", v4Prefix: 32, v6Prefix: 56) == "2001:db8:1:0:0:0:0:0/56")
        #expect(IPRange.network(of: "", v4Prefix: 32, v6Prefix: 64) == "", "a unix-socket peer has no address")
    }
}
