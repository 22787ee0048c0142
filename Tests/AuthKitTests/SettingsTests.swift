import Testing
@testable import AuthKit
import Foundation

@Suite struct SettingsTests {
    @Test func defaults() throws {
        let s = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///x"])
        #expect(s.basePath == "/api/auth/")
        #expect(s.maxBodySize == 65536)
        #expect(s.socketPath == "/run/authkit/authkit.sock")
        #expect(s.socketMode == 0o660)
        #expect(s.workers >= 2)
        #expect(s.mfaHandlers == ["app", "email"])
    }

    @Test func invalidValuesNameTheSetting() {
        let cases: [(String, String)] = [
            ("AUTHKIT_MAX_BODY_SIZE", "lots"), ("AUTHKIT_WORKERS", "0"), ("AUTHKIT_BASE_PATH", "api/auth"),
            ("AUTHKIT_LOG_LEVEL", "loud"), ("AUTHKIT_SOCKET_MODE", "999"), ("AUTHKIT_BIND", "localhost"),
            ("AUTHKIT_MFA_HANDLERS", "app,sms"), ("AUTHKIT_DATABASE_PREPARED_STATEMENTS", "maybe"),
        ]
        for (name, value) in cases {
            do {
                _ = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "x", name: value])
                Issue.record("\(name)=\(value) accepted")
            } catch {
                #expect(error.setting == name)
                #expect(error.description.contains(value))
            }
        }
        #expect(throws: SettingsError.self) { try Settings.load(from: [:]) }
    }

    @Test func unknownVariablesAreReported() throws {
        let s = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "x", "AUTHKIT_MAX_BODY_SIZ": "1", "OTHER": "y"])
        #expect(s.unknownVariables == ["AUTHKIT_MAX_BODY_SIZ"])
    }

    @Test func environmentFileFormat() throws {
        let text = """
        # comment
        ; also a comment

        AUTHKIT_DATABASE_URL = "postgresql://u@h/db?x=1"
        AUTHKIT_SOCKET='/tmp/a b.sock'
        AUTHKIT_LOG_LEVEL=debug
        """
        let values = try EnvironmentFile.parse(text, source: "test.env")
        #expect(values == ["AUTHKIT_DATABASE_URL": "postgresql://u@h/db?x=1", "AUTHKIT_SOCKET": "/tmp/a b.sock", "AUTHKIT_LOG_LEVEL": "debug"])
        #expect(throws: SettingsError.self) { try EnvironmentFile.parse("no equals sign", source: "bad.env") }
    }

    @Test func everySettingIsDocumented() throws {
        let docs = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("docs/settings.md")
        let text = try String(contentsOf: docs, encoding: .utf8)
        for setting in SettingsCatalog.all {
            #expect(text.contains("`AUTHKIT_\(setting.name)`"), "docs/settings.md lacks AUTHKIT_\(setting.name)")
        }
    }
}

@Suite struct MigrationFileTests {
    @Test func everyFileIsListedInOrder() throws {
        let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/AuthKit/Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".sql") }.sorted()
        let listed = Migration.all.map { String(format: "%04d_%@.sql", $0.version, $0.name) }
        #expect(listed == files)
        #expect(Migration.all.map(\.version) == Array(1...Migration.all.count))
    }
}
