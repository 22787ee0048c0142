// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "authkit-fcgi",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "authkit", targets: ["authkit"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.0"),
    ],
    targets: [
        // One system-library target per C library; each is wrapped by exactly one Swift module.
        .systemLibrary(name: "CFastCGI", pkgConfig: "fcgi", providers: [.apt(["libfcgi-dev"])]),
        .systemLibrary(name: "CLibPQ", pkgConfig: "libpq", providers: [.apt(["libpq-dev"])]),
        .systemLibrary(name: "COpenSSL", pkgConfig: "libcrypto", providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CCurl", pkgConfig: "libcurl", providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(name: "CArgon2", pkgConfig: "libargon2", providers: [.apt(["libargon2-dev"])]),
        .systemLibrary(name: "CLibCrypt", pkgConfig: "libcrypt", providers: [.apt(["libcrypt-dev"])]),
        // cracklib ships no pkg-config file; its dictionary comes from cracklib-runtime (deploy/lib.sh).
        .systemLibrary(name: "CCrack", providers: [.apt(["libcrack2-dev"])]),
        // Passkeys: libfido2 verifies attestations and assertion signatures; libcbor (which libfido2
        // itself uses) splits the attestationObject, since libfido2 1.12 has no fido_cred_set_attobj.
        .systemLibrary(name: "CFido2", pkgConfig: "libfido2", providers: [.apt(["libfido2-dev"])]),
        .systemLibrary(name: "CCbor", pkgConfig: "libcbor", providers: [.apt(["libcbor-dev"])]),
        // The app method's QR code, drawn by the service so pages need no JavaScript QR library.
        .systemLibrary(name: "CQREncode", pkgConfig: "libqrencode", providers: [.apt(["libqrencode-dev"])]),

        .target(name: "FastCGI", dependencies: ["CFastCGI"]),
        .target(name: "PostgreSQL", dependencies: ["CLibPQ"]),
        .target(name: "CryptoCore", dependencies: ["COpenSSL"]),
        .target(name: "SMTP", dependencies: ["CCurl"]),
        // Slow hashes of other systems' stored passwords (Django's argon2 and bcrypt hashers).
        .target(name: "PasswordHashes", dependencies: ["CArgon2", "CLibCrypt"]),
        .target(name: "PasswordQuality", dependencies: ["CCrack"]),
        // CBOR and the FIDO signature checks behind WebAuthn registrations and assertions.
        .target(name: "FIDO", dependencies: ["CFido2", "CCbor"]),
        // otpauth:// URIs as QR code matrices and their SVG drawing.
        .target(name: "QRCode", dependencies: ["CQREncode"]),

        .target(
            name: "AuthKit",
            dependencies: [
                "FastCGI", "PostgreSQL", "CryptoCore", "SMTP", "PasswordHashes",
                .product(name: "Logging", package: "swift-log"),
                "PasswordQuality", "FIDO", "QRCode",
            ],
            exclude: ["Migrations/README.md"],
            resources: [.embedInCode("Migrations"), .embedInCode("OpenAPI/openapi.json")]
        ),
        .executableTarget(
            name: "authkit",
            dependencies: [
                "AuthKit", "FastCGI", "PostgreSQL", "CryptoCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Tests at three speeds: pure unit tests; controllers and SQL against a real PostgreSQL;
        // end to end through real nginx in front of the real binary.
        .testTarget(
            name: "AuthKitTests",
            dependencies: ["AuthKit", "CryptoCore", "FIDO", "PasswordHashes", "PostgreSQL", "QRCode", "TestSupport"]),
        .target(name: "TestSupport", dependencies: ["AuthKit", "PostgreSQL", "CryptoCore"], path: "Tests/TestSupport"),
        .testTarget(name: "IntegrationTests", dependencies: ["AuthKit", "PostgreSQL", "CryptoCore", "TestSupport"]),
        .testTarget(name: "EndToEndTests", dependencies: ["AuthKit", "PostgreSQL", "TestSupport", "authkit"]),
    ],
    swiftLanguageModes: [.v6]
)
