import AuthKit
import Foundation
import Testing
import TestSupport

/// The Debian package of deploy/package, unpacked into a scratch root with `dpkg -x`: its
/// metadata and files, then the smoke flow (migrate, user create, serve, healthz and login through
/// nginx) with the unpacked binary behind the unpacked nginx snippet. Building the release .deb
/// takes minutes, so deploy/test builds it once and points AUTHKIT_TEST_DEB at it.
@Suite struct PackageTests {
    static let deb = ProcessInfo.processInfo.environment["AUTHKIT_TEST_DEB"]

    /// The .deb unpacked once per run.
    static let unpacked: Result<String, any Error> = Result {
        guard let deb = PackageTests.deb else {
            throw CommandFailure(command: "AUTHKIT_TEST_DEB", status: 1, output: "unset")
        }
        let root = try Paths.temporaryDirectory("authkit-deb")
        // 18 MB per run: not left behind.
        Cleanup.atExit("rm -rf '\(root)'")
        try Shell.run("/usr/bin/dpkg", ["-x", deb, root])
        try Shell.run("/usr/bin/dpkg-deb", ["-e", deb, root + "/DEBIAN"])
        return root
    }

    static func field(_ name: String) throws -> String {
        try Shell.run("/usr/bin/dpkg-deb", ["-f", deb ?? "", name]).output
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func read(_ root: String, _ path: String) throws -> String {
        try String(contentsOfFile: root + path, encoding: .utf8)
    }

    @Test(.enabled(if: deb != nil, "AUTHKIT_TEST_DEB is not set (deploy/test builds the package and sets it)"))
    func metadataAndLayout() throws {
        let root = try Self.unpacked.get()
        #expect(try Self.field("Package") == "authkit")
        #expect(try Self.field("Version") == Version.string)
        #expect(try Self.field("Architecture") == "amd64")
        let depends = try Self.field("Depends")
        let dependedOn = Set(depends.split(separator: ",").compactMap {
            $0.split(separator: " ").first.map(String.init)
        })
        for package in ["adduser", "cracklib-runtime"] { #expect(dependedOn.contains(package), "\(depends)") }
        // Every library the binary loads comes from a package it depends on, and none from the
        // Swift toolchain (the standard library is linked in).
        let binary = root + "/usr/bin/authkit"
        let ldd = try Shell.run("/usr/bin/ldd", [binary]).output
        #expect(!ldd.contains("not found") && !ldd.contains("/opt/swift") && !ldd.contains("libswift"), "\(ldd)")
        let needed = try Shell.run("/usr/bin/objdump", ["-p", binary]).output.split(separator: "\n")
            .filter { $0.contains("NEEDED") }.compactMap { $0.split(separator: " ").last.map(String.init) }
        #expect(needed.contains("libpq.so.5"))
        for soname in needed {
            let owners = try Shell.run("/usr/bin/dpkg", ["-S", soname], allowFailure: true).output
                .split(separator: "\n").filter { $0.hasSuffix("/" + soname) }
                .compactMap { $0.split(separator: ":").first.map(String.init) }
            #expect(owners.contains { dependedOn.contains($0) }, "\(soname) (\(owners)) not in \(depends)")
        }
        #expect(try Shell.run(binary, ["version"]).output.contains(Version.string))

        for unit in ["authkit.service", "authkit@.service"] {
            let text = try Self.read(root, "/lib/systemd/system/" + unit)
            #expect(text.contains("ExecStartPre=/usr/bin/authkit migrate\n"))
            #expect(text.contains("ExecStart=/usr/bin/authkit serve\n"))
            #expect(text.contains("User=authkit\n") && text.contains("EnvironmentFile=/etc/authkit/authkit.env\n"))
            #expect(!text.contains("/usr/local"))
        }
        let socket = try Self.read(root, "/lib/systemd/system/authkit.socket")
        #expect(socket.contains("ListenStream=/run/authkit/authkit.sock"))
        let tmpfiles = try Self.read(root, "/usr/lib/tmpfiles.d/authkit.conf")
        #expect(tmpfiles.contains("\nd /run/authkit 0750 authkit www-data -\n"))
        // The site example includes the snippet where the package puts it.
        #expect(try Self.read(root, "/usr/share/authkit/nginx/site.example.conf")
            .contains("include /usr/share/authkit/nginx/authkit.conf;"))
        #expect(try Self.read(root, "/usr/share/authkit/nginx/authkit.conf")
            == (try String(contentsOf: Paths.root.appendingPathComponent("nginx/authkit.conf"), encoding: .utf8)))
        #expect(try Self.read(root, "/usr/share/authkit/authkit.env.example").contains("AUTHKIT_DATABASE_URL="))
        for file in ["/usr/share/doc/authkit/copyright", "/usr/share/doc/authkit/changelog.gz",
                     "/usr/share/man/man1/authkit.1.gz"] {
            #expect(FileManager.default.fileExists(atPath: root + file), "\(file) missing")
        }
        // Installing never starts or enables anything: the service has no database before
        // /etc/authkit/authkit.env exists.
        for script in ["postinst", "prerm", "postrm"] {
            // The commands, not the hints they print.
            let text = try Self.read(root, "/DEBIAN/" + script).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("echo ") }.joined(separator: "\n")
            try Shell.run("/bin/sh", ["-n", root + "/DEBIAN/" + script])
            for verb in ["start", "enable", "restart", "reload-or-restart"] {
                #expect(!text.contains("systemctl \(verb)") && !text.contains("deb-systemd-invoke \(verb)")
                        && !text.contains("systemctl --system \(verb)"), "\(script) runs \(verb)")
            }
        }
        #expect(try Self.read(root, "/DEBIAN/postinst").contains("adduser --system"))
    }

    /// Root, and allowed a mount namespace of its own: the maintainer scripts can run for real
    /// in a throwaway overlay of this very system.
    static let canOverlay = getuid() == 0 && deb != nil
        && (try? Shell.run("/usr/bin/unshare", ["-m", "/bin/true"], allowFailure: true).status) == 0

    /// `dpkg -i`, a second `dpkg -i` (upgrade path), `dpkg --purge`, with the maintainer scripts,
    /// inside a chroot over an overlay of / in a private mount namespace: this system is untouched
    /// and everything vanishes with the namespace. Installed, the units pass `systemd-analyze
    /// verify` (which also checks that their ExecStart binaries exist) and the site example `nginx -t`.
    @Test(.enabled(if: canOverlay, "needs root, unshare -m and AUTHKIT_TEST_DEB (deploy/test sets it)"))
    func installUpgradeAndPurgeInAThrowawayOverlay() throws {
        let deb = try #require(Self.deb)
        let hostStatus = {
            try Shell.run("/usr/bin/dpkg-query", ["-W", "-f=${Status}", "authkit"], allowFailure: true).output
        }
        let before = try hostStatus()
        let base = try Paths.temporaryDirectory("authkit-overlay")
        defer { try? FileManager.default.removeItem(atPath: base) }
        let script = """
            set -eu
            B='\(base)'
            mount -t tmpfs tmpfs "$B"
            mkdir "$B/upper" "$B/work" "$B/root"
            mount -t overlay overlay -o "lowerdir=/,upperdir=$B/upper,workdir=$B/work" "$B/root"
            mount -t proc proc "$B/root/proc"
            mount -t tmpfs tmpfs "$B/root/run"
            mount --bind /dev "$B/root/dev"
            cp '\(deb)' "$B/root/tmp/authkit.deb"
            exec chroot "$B/root" /bin/sh -eu -c '
              export DEBIAN_FRONTEND=noninteractive PATH=/usr/sbin:/usr/bin:/sbin:/bin
              dpkg -i /tmp/authkit.deb >/dev/null
              echo "user: $(getent passwd authkit | cut -d: -f1,6,7)"
              echo "etc: $(stat -c "%a %U:%G" /etc/authkit)"
              echo "run: $(stat -c "%a %U:%G" /run/authkit)"
              echo "enabled: $(ls /etc/systemd/system/*.wants/ 2>/dev/null | grep -c authkit || true)"
              echo "version: $(/usr/bin/authkit version)"
              if command -v systemd-analyze >/dev/null; then
                cd /lib/systemd/system
                systemd-analyze verify authkit.socket authkit.service authkit@a.socket authkit@a.service
                echo "units: verified"
              fi
              # The site example, as shipped, with a certificate where it expects one.
              openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=auth.example.com -days 1 \\
                -keyout /etc/ssl/private/auth.example.com.key -out /etc/ssl/certs/auth.example.com.pem 2>/dev/null
              printf "events {}\\nhttp { include /usr/share/authkit/nginx/site.example.conf; }\\n" >/tmp/site.conf
              nginx -t -c /tmp/site.conf 2>/dev/null && echo "site: nginx -t ok"
              echo AUTHKIT_DATABASE_URL=postgresql:///x >/etc/authkit/authkit.env
              dpkg -i /tmp/authkit.deb >/dev/null
              dpkg --purge authkit >/dev/null
              echo "purged binary: $(test -e /usr/bin/authkit && echo present || echo gone)"
              echo "kept env: $(cat /etc/authkit/authkit.env)"'
            """
        let run = try Shell.run("/usr/bin/unshare", ["-m", "--propagation", "private", "/bin/sh", "-c", script],
                                allowFailure: true)
        #expect(run.status == 0, "\(run.output)")
        let out = run.output
        #expect(out.contains("user: authkit:/nonexistent:/usr/sbin/nologin\n"), "\(out)")
        #expect(out.contains("etc: 750 root:authkit\n"), "\(out)")
        #expect(out.contains("run: 750 authkit:www-data\n"), "\(out)")
        #expect(out.contains("enabled: 0\n"), "\(out)")
        #expect(out.contains("version: authkit \(Version.string)"), "\(out)")
        #expect(out.contains("site: nginx -t ok\n"), "\(out)")
        if FileManager.default.isExecutableFile(atPath: "/usr/bin/systemd-analyze") {
            #expect(out.contains("units: verified\n"), "\(out)")
        }
        #expect(out.contains("purged binary: gone\n"), "\(out)")
        #expect(out.contains("kept env: AUTHKIT_DATABASE_URL=postgresql:///x\n"), "\(out)")
        // Nothing of it reached this system.
        #expect(try hostStatus() == before)
    }

    @Test(.enabled(if: deb != nil, "AUTHKIT_TEST_DEB is not set (deploy/test builds the package and sets it)"))
    func smokeFlowThroughTheUnpackedSnippet() throws {
        let root = try Self.unpacked.get()
        let binary = root + "/usr/bin/authkit"
        let pg = try PostgresCluster.shared.get()
        let database = try pg.createDatabase(migrated: false)
        let env = ["PATH": "/usr/bin:/bin", "AUTHKIT_DATABASE_URL": pg.url(database), "AUTHKIT_LOG_LEVEL": "warning",
                   "AUTHKIT_SECRET_KEY": TestKeys.secretKey, "AUTHKIT_SECRET_ENCRYPTION_KEYS": TestKeys.encryptionKeys,
                   "AUTHKIT_PASSWORD_HASH_ITERATIONS": "1000"]
        try Shell.run(binary, ["migrate"], environment: env)
        let dir = try Paths.temporaryDirectory("authkit-stdin")
        try "S3cret-pass!\n".write(toFile: dir + "/in", atomically: true, encoding: .utf8)
        let created = try Shell.run("/bin/sh", ["-c", "exec \"$0\" \"$@\" < '\(dir)/in'", binary, "user", "create",
                                                "--username", "packaged", "--email", "packaged@example.com",
                                                "--password-stdin"], environment: env)
        #expect(created.output.contains("(id "), "\(created.output)")

        let app = try AppInstance(databaseURL: pg.url(database), binary: binary)
        let nginx = try NginxInstance(upstream: "server unix:\(app.socketPath);",
                                      snippet: root + "/usr/share/authkit/nginx/authkit.conf")
        let s = try Stack(existing: pg, database: database, app: app, nginx: nginx)
        defer { s.stop() }
        let health = try s.http.get("healthz/")
        #expect(health.status == 200 && health.string("status") == "ok", "\(health)")
        let token = try s.accessToken("packaged")
        let user = try s.get("user/", token: token)
        #expect(user.status == 200 && user.string("username") == "packaged", "\(user)")
        // Enrolment draws the QR code (libqrencode) and encrypts the secret (libcrypto).
        let enrolled = try s.post("mfa/", #"{"method": "app"}"#, token: token)
        #expect(enrolled.status == 201 && enrolled.text.contains(#""qr_svg":"<svg"#), "\(enrolled)")

        // With the app gone, the snippet's own JSON 503 answers.
        #expect(app.terminate() == 0)
        let down = try s.http.get("healthz/")
        #expect(down.status == 503 && down.header("Content-Type") == "application/json", "\(down)")
    }
}
