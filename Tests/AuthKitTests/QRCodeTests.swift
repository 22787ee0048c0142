import Foundation
import Testing
@testable import AuthKit
@testable import QRCode
import TestSupport

/// QR matrices from libqrencode against golden ones drawn by Debian's `qrencode` command
/// (Tests/Fixtures/qrcode, written by its make_fixtures.sh), and their SVG drawing read back.
@Suite struct QRCodeTests {
    static let uri = "otpauth://totp/MyApplication:alice?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=MyApplication"

    @Test(arguments: [("HELLO", QRCode.ErrorCorrection.low, "hello-L.txt", 1),
                      (QRCodeTests.uri, .medium, "otpauth-M.txt", 6),
                      (QRCodeTests.uri, .high, "otpauth-H.txt", 9)])
    func matchesTheQrencodeCommand(_ text: String, _ level: QRCode.ErrorCorrection, _ fixture: String,
                                   _ version: Int) throws {
        let matrix = try QRCode.encode(text, level: level)
        #expect(matrix.version == version)
        #expect(matrix.size == 17 + 4 * version)
        #expect(Self.ascii(matrix) == (try Self.fixture(fixture)))
    }

    @Test func mediumIsTheDefaultLevel() throws {
        #expect(try QRCode.encode(Self.uri) == QRCode.encode(Self.uri, level: .medium))
    }

    /// Case-sensitive: lower case letters are not folded into the smaller alphanumeric mode.
    @Test func keepsCase() throws {
        #expect(try QRCode.encode("hello") != QRCode.encode("HELLO"))
    }

    @Test func refusals() {
        #expect(throws: QRCodeError.empty) { try QRCode.encode("") }
        #expect(throws: QRCodeError.containsNUL) { try QRCode.encode("a\u{0}b") }
        #expect(throws: QRCodeError.tooLong(bytes: 2049)) { try QRCode.encode(String(repeating: "a", count: 2049)) }
        // Multi-byte characters count as their UTF-8 bytes.
        #expect(throws: QRCodeError.tooLong(bytes: 2050)) { try QRCode.encode(String(repeating: "é", count: 1025)) }
        // 2 KB of 8-bit data fits at level M (version 38, as `qrencode -l M` draws it), not at level H
        // (version 40 holds 1273 bytes there).
        let long = String(repeating: "a", count: 2048)
        #expect(throws: QRCodeError.doesNotFit) { try QRCode.encode(long, level: .high) }
        #expect((try? QRCode.encode(long, level: .medium))?.version == 38)
    }

    @Test func svgShape() throws {
        let svg = try QRCode.encode(Self.uri).svg()
        #expect(svg.hasPrefix(#"<svg xmlns="http://www.w3.org/2000/svg" width="196" height="196" "#
                              + #"viewBox="0 0 49 49" shape-rendering="crispEdges">"#
                              + #"<rect width="49" height="49" fill="white"/><path fill="black" d="M4,4h7v1h-7z"#))
        #expect(svg.hasSuffix(#"z"/></svg>"#))
        #expect(Self.count("<path", in: svg) == 1)
        #expect(Self.count("<", in: svg) == 4 && Self.count(">", in: svg) == 4, "svg, rect, path, /svg")
        for absent in ["<script", "href", "url(", "style", " on", "<!", "<?", "&"] {
            #expect(!svg.lowercased().contains(absent), "\(absent)")
        }
        #expect(svg.utf8.count < 8000, "\(svg.utf8.count) bytes")
        // Well-formed: an svg element holding two empty ones, every attribute value quoted, no
        // character data (FoundationXML's parser needs libxml2, which the service does not use).
        let tags = svg.split(separator: ">", omittingEmptySubsequences: false).map(String.init)
        #expect(tags.map { $0.split(separator: " ").first.map(String.init) ?? $0 }
                    == ["<svg", "<rect", "<path", "</svg", ""])
        #expect(tags[1].hasSuffix("/") && tags[2].hasSuffix("/"))
        let element = try Regex(#"^<[a-z]+( [a-zA-Z-]+="[^"<>&]*")*/?$"#)
        for tag in tags.dropLast(2) { #expect(tag.wholeMatch(of: element) != nil, "\(tag)") }
    }

    @Test func svgIsDeterministicAndScales() throws {
        let matrix = try QRCode.encode(Self.uri)
        #expect(matrix.svg() == (try QRCode.encode(Self.uri)).svg())
        #expect(matrix.svg(moduleSize: 10, quietZone: 2).contains(#"width="450" height="450" viewBox="0 0 45 45""#))
        #expect(matrix.svg(moduleSize: 10, quietZone: 2).contains(#"d="M2,2h7v1h-7z"#))
    }

    /// The path, read back module by module, is the matrix: every dark module is drawn once and
    /// nothing else is.
    @Test(arguments: [0, 4]) func svgPathIsTheMatrix(_ quietZone: Int) throws {
        for text in ["HELLO", Self.uri, String(repeating: "0123456789abcdef", count: 20)] {
            let matrix = try QRCode.encode(text)
            let svg = matrix.svg(quietZone: quietZone)
            let d = try #require(svg.split(separator: #" d=""#).last?.split(separator: "\"").first)
            var drawn = [Int](repeating: 0, count: matrix.size * matrix.size)
            for run in d.split(separator: "z") {
                // M{x},{y}h{n}v1h-{n}: x, y, n, 1, -n
                let parts = run.dropFirst().split(whereSeparator: { ",hv".contains($0) }).map { Int($0) }
                let x = try #require(parts.first ?? nil) - quietZone, y = try #require(parts[1]) - quietZone
                let n = try #require(parts[2])
                #expect(run == "M\(x + quietZone),\(y + quietZone)h\(n)v1h-\(n)" && n > 0)
                for i in x..<(x + n) { drawn[y * matrix.size + i] += 1 }
            }
            #expect(drawn == matrix.modules.map { $0 ? 1 : 0 }, "\(text)")
        }
    }

    /// The SVG drawn by librsvg (as a browser would) and read by zbar (as a phone would) gives the
    /// URI back. deploy/test installs both (librsvg2-bin, zbar-tools); without them this is skipped.
    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/rsvg-convert")
                   && FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg")))
    func scannable() throws {
        let folder = try Paths.temporaryDirectory("authkit-qr")
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let unicode = "otpauth://totp/My%20App/EU:j%C3%BCrgen%40example.com?secret=W2LOSL3BKBV4ZROP2EFOOOSYXMB73N7A"
            + "&issuer=My%20App%2FEU"
        for (i, text) in [Self.uri, unicode, "HELLO", String(repeating: "otpauth://", count: 50)].enumerated() {
            try QRCode.encode(text).svg().write(toFile: "\(folder)/\(i).svg", atomically: true, encoding: .utf8)
            try Shell.run("/usr/bin/rsvg-convert", ["-o", "\(folder)/\(i).png", "\(folder)/\(i).svg"])
            // ImageMagick, under zbarimg, may also write D-Bus complaints to the (merged) output.
            let read = try Shell.run("/usr/bin/zbarimg", ["-q", "--raw", "\(folder)/\(i).png"]).output
            #expect(read.split(separator: "\n").contains(Substring(text)), "\(text): \(read)")
        }
    }

    /// setup_data of the app method: drf-auth-kit's qr_link first, unchanged, then the QR code of
    /// that very link and the secret in it.
    @Test func appSetupData() throws {
        let settings = try Settings.load(from: ["AUTHKIT_MFA_APPLICATION_NAME": "My App/EU"], requireDatabase: false)
        let handler = try #require(MFAHandlers(settings: settings).handler("app"))
        let user = User(id: 7, username: "erin+1@x", email: "", firstName: "", lastName: "", isActive: true)
        let enrolment = try handler.enrol(user: user)
        guard case .object(let setup) = enrolment.setupData, case .string(let link)? = setup["qr_link"],
              case .string(let svg)? = setup["qr_svg"], case .string(let secret)? = setup["secret"] else {
            Issue.record("setup_data: \(enrolment.setupData)")
            return
        }
        #expect(setup.entries.map(\.key) == ["qr_link", "qr_svg", "secret"])
        #expect(link == "otpauth://totp/My%20App/EU:erin%2B1%40x?secret=\(secret)&issuer=My%20App%2FEU")
        #expect(secret == enrolment.secret && secret.count == 32)
        #expect(svg == (try QRCode.encode(link, level: .medium)).svg(moduleSize: 4, quietZone: 4))
    }

    /// A URI too long for a QR code still enrols, with the link and the secret.
    @Test func appSetupDataWithoutRoomForAQRCode() throws {
        let settings = try Settings.load(from: ["AUTHKIT_MFA_APPLICATION_NAME": String(repeating: "ä", count: 400)],
                                         requireDatabase: false)
        let handler = try #require(MFAHandlers(settings: settings).handler("app"))
        let user = User(id: 7, username: "erin", email: "", firstName: "", lastName: "", isActive: true)
        guard case .object(let setup) = try handler.enrol(user: user).setupData else { Issue.record("shape"); return }
        #expect(setup.entries.map(\.key) == ["qr_link", "secret"])
    }

    static func ascii(_ matrix: QRMatrix) -> String {
        (0..<matrix.size).map { y in
            (0..<matrix.size).map { x in matrix[x, y] ? "##" : "  " }.joined() + "\n"
        }.joined()
    }

    static func fixture(_ name: String) throws -> String {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/qrcode/\(name)")
        return try String(contentsOf: url, encoding: .utf8)
    }

    static func count(_ needle: String, in haystack: String) -> Int {
        haystack.components(separatedBy: needle).count - 1
    }
}
