import Testing
@testable import AuthKit
import Foundation

@Suite struct SettingsTests {
    @Test func defaults() throws {
        let s = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///x"])
        #expect(s.server.basePath == "/api/auth/")
        #expect(s.server.maxBodySize == 65536)
        #expect(s.server.socketPath == "/run/authkit/authkit.sock")
        #expect(s.server.socketMode == 0o660)
        #expect(s.server.workers >= 2)
        #expect(s.mfa.handlers == ["app", "email"])
        #expect(s.database.preparedStatements)
    }

    /// A valid environment for the catalog tests: every required setting set.
    static let required = ["AUTHKIT_DATABASE_URL": "postgresql:///x",
                           "AUTHKIT_SECRET_KEY": String(repeating: "k", count: 40)]

    /// Loads with a reader that records every setting read and the value it got.
    static func recordedLoad(_ environment: [String: String]) throws(SettingsError) -> [String: String] {
        let reader = SettingsReader(environment: environment, recording: true)
        _ = try Settings.load(reader: reader, requireDatabase: true, requireSecretKey: true, registry: .builtIn)
        return reader.values
    }

    /// Catalog and loader agree: the loader reads exactly the names `authkit settings` lists, each once.
    @Test func loaderReadsExactlyTheCatalog() throws {
        let names = SettingsCatalog.all.map(\.name)
        #expect(Set(names).count == names.count, "a name appears twice in the catalog")
        let read = try Self.recordedLoad(Self.required)
        #expect(Set(read.keys).subtracting(names).isEmpty, "read but not in the catalog")
        #expect(Set(names).subtracting(read.keys).isEmpty, "in the catalog but never read")
    }

    /// The default the catalog shows is the default the loader uses: configuring every setting to
    /// its documented default text loads the same values as leaving it unset (settings whose
    /// default depends on the machine or other settings are documented in words and skipped).
    @Test func documentedDefaultsAreTheLoadedDefaults() throws {
        let unset = try Self.recordedLoad(Self.required)
        var explicit = Self.required
        var checked = 0
        let textual = SettingsCatalog.all.filter { !$0.defaultValue.hasPrefix("(") && !$0.defaultValue.contains(" ") }
        for setting in textual {
            explicit[SettingsCatalog.prefix + setting.name] = setting.defaultValue
            checked += 1
        }
        let configured = try Self.recordedLoad(explicit)
        for setting in SettingsCatalog.all {
            #expect(configured[setting.name] == unset[setting.name],
                    "\(setting.name): documented default \(setting.defaultValue) loads differently from unset")
        }
        #expect(checked > 60)
    }

    /// Every setting checks its own value: a nonsense value is refused with an error naming that
    /// setting, or (free text) loaded as given; it never surfaces as another setting's error.
    @Test func everySettingAnswersForItsOwnValue() {
        let nonsense = "%nonsense%"
        for setting in SettingsCatalog.all {
            let name = SettingsCatalog.prefix + setting.name
            var environment = Self.required
            environment[name] = nonsense
            do {
                let read = try Self.recordedLoad(environment)
                #expect(read[setting.name]?.contains(nonsense) == true, "\(name)=\(nonsense) accepted but not used")
            } catch {
                #expect(error.setting == name, "\(name)=\(nonsense) refused as \(error)")
            }
        }
    }

    @Test func invalidValuesNameTheSetting() {
        let cases: [(String, String)] = [
            ("AUTHKIT_MAX_BODY_SIZE", "lots"), ("AUTHKIT_WORKERS", "0"), ("AUTHKIT_BASE_PATH", "api/auth"),
            ("AUTHKIT_LOG_LEVEL", "loud"), ("AUTHKIT_SOCKET_MODE", "999"), ("AUTHKIT_BIND", "localhost"),
            ("AUTHKIT_MFA_HANDLERS", "app,sms"), ("AUTHKIT_DATABASE_PREPARED_STATEMENTS", "maybe"),
        ]
        for (name, value) in cases {
            do {
                _ = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///x", name: value])
                Issue.record("\(name)=\(value) accepted")
            } catch {
                #expect(error.setting == name)
                #expect(error.description.contains(value))
            }
        }
        #expect(throws: SettingsError.self) { try Settings.load(from: [:]) }
    }

    @Test func unknownVariablesAreReported() throws {
        let s = try Settings.load(from: ["AUTHKIT_DATABASE_URL": "postgresql:///x", "AUTHKIT_MAX_BODY_SIZ": "1", "OTHER": "y"])
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
        // Defaults and meanings too: the page holds the catalog's table as `authkit settings` prints it.
        #expect(text.contains(SettingsCatalog.markdownTable + "\n"),
                "docs/settings.md is stale: run tools/update_settings_doc.sh")
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
