import Testing
import CryptoCore

@Suite struct CryptoTests {
    @Test func hmacRFC4231() {
        // RFC 4231 test case 2.
        let mac = HMAC.authenticate(.sha256, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(mac) == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        // RFC 2202 test case 2 (SHA-1).
        let sha1 = HMAC.authenticate(.sha1, key: Array("Jefe".utf8), message: Array("what do ya want for nothing?".utf8))
        #expect(Hex.encode(sha1) == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
        #expect(HMAC.authenticate(.sha1, key: [], message: []).count == 20)
    }

    @Test func pbkdf2SHA256() {
        // Known answer (RFC 7914 §11, PBKDF2-HMAC-SHA256, c = 1).
        let out = PBKDF2.derive(.sha256, password: Array("passwd".utf8), salt: Array("salt".utf8), iterations: 1, keyLength: 64)
        #expect(Hex.encode(out) == "55ac046e56e3089fec1691c22544b605f94185216dde0465e68b9d57c20dacbc49ca9cccf179b645991664b39d77ef317c71b845b1e30bd509112041d3a19783")
    }

    @Test func encodings() {
        #expect(Base64.encode(Array("any carnal pleas".utf8)) == "YW55IGNhcm5hbCBwbGVhcw==")
        #expect(Base64.encodeURL([0xFB, 0xFF]) == "-_8")
        #expect(Base64.decode("-_8", urlSafe: true) == [0xFB, 0xFF])
        #expect(Base64.decode("YW55IGNhcm5hbCBwbGVhcw==", urlSafe: false) == Array("any carnal pleas".utf8))
        #expect(Base64.decode("a*b", urlSafe: true) == nil)
        #expect(Base32.encode(Array("12345678901234567890".utf8)) == "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ")
        #expect(Base32.decode("GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ") == Array("12345678901234567890".utf8))
        #expect(Hex.decode("00ff10") == [0, 255, 16])
    }

    @Test func aesGCMRoundTripAndTamper() throws {
        let key = SecureRandom.bytes(32)
        let sealed = try AESGCM.seal(Array("JBSWY3DPEHPK3PXP".utf8), key: key, associatedData: [1, 2])
        #expect(try AESGCM.open(sealed, key: key, associatedData: [1, 2]) == Array("JBSWY3DPEHPK3PXP".utf8))
        #expect(try AESGCM.open(sealed, key: key, associatedData: [1, 3]) == nil)
        var bad = sealed.ciphertext
        bad[0] ^= 1
        #expect(try AESGCM.open(.init(nonce: sealed.nonce, ciphertext: bad, tag: sealed.tag), key: key) == nil)
        #expect(try AESGCM.open(sealed, key: SecureRandom.bytes(32), associatedData: [1, 2]) == nil)
    }

    @Test func randomIsUniformEnough() {
        var counts = [Int](repeating: 0, count: 32)
        for _ in 0..<3200 { counts[Int(SecureRandom.uniform(32))] += 1 }
        #expect(counts.allSatisfy { $0 > 40 })
        #expect(ConstantTime.equals([1, 2, 3], [1, 2, 3]))
        #expect(!ConstantTime.equals([1, 2, 3], [1, 2, 4]))
        #expect(!ConstantTime.equals([1, 2], [1, 2, 3]))
    }
}
