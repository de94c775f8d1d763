// swift-tools-version: 6.2
import PackageDescription

// Strict concurrency is the default in the Swift 6 language mode; these make
// the remaining upcoming checks explicit so every target builds the same way.
let strictSettings: [SwiftSetting] = [
    .swiftLanguageMode(.v6),
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
    // No build warnings in the project's own code: one fails the build.
    // (SwiftPM keeps dependencies' warnings out of this.)
    .treatAllWarnings(as: .error),
]

let package = Package(
    name: "OnionOps",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "onionops", targets: ["onionops"]),
        .library(name: "OnionOpsCore", targets: ["OnionOpsCore"]),
        .library(name: "OnionOpsManifest", targets: ["OnionOpsManifest"]),
        .library(name: "OnionOpsCommands", targets: ["OnionOpsCommands"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "4.0.0"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.0.0"),
        .package(url: "https://github.com/apple/swift-certificates", from: "1.10.0"),
        .package(url: "https://github.com/apple/swift-asn1", from: "1.3.0"),
        .package(url: "https://github.com/swiftlang/swift-subprocess", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        // One trait, not the default two: SwiftPM writes enabled traits'
        // -D flags in no fixed order, so with two every build that plans
        // again (after `swift test`, or a touched Package.resolved)
        // recompiled Hummingbird's modules half the time. swift-configuration
        // support is unused here.
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.5.0", traits: ["FullFoundation"]),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        // reconcile's live per-host lines on a terminal (ephemeral output,
        // colours).
        .package(url: "https://github.com/vapor/console-kit", from: "4.16.0"),
        // `watch`'s status page: server-rendered HTML.
        .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.80.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        // Test support only: the upstream test site's websocket echo, and
        // the TLS of its websocket client.
        .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.29.0"),
    ],
    targets: [
        // The system libyaml (libyaml-dev). The guard pass walks its event
        // stream before Yams builds any tree; see YAMLGuard.
        .systemLibrary(
            name: "CLibYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),

        // The system libgit2 (libgit2-dev): the git source reads commits and
        // trees without a work tree.
        .systemLibrary(
            name: "CLibGit2",
            pkgConfig: "libgit2",
            providers: [.apt(["libgit2-dev"])]
        ),

        // Pure core: model, diagnostics, validation. No file, process or
        // network API.
        .target(
            name: "OnionOpsCore",
            dependencies: [
                .product(name: "Crypto", package: "swift-crypto")
            ],
            swiftSettings: strictSettings
        ),

        // Manifest intake: sources (folder now, git later), the libyaml guard,
        // and strict decoding of Yams nodes into the core model.
        .target(
            name: "OnionOpsManifest",
            dependencies: [
                "OnionOpsCore",
                "CLibYAML",
                .product(name: "Yams", package: "Yams"),
            ],
            swiftSettings: strictSettings
        ),

        // Pure rendering: a validated topology -> every host's tor, nginx
        // and Onionbalance files.
        .target(
            name: "OnionOpsRender",
            dependencies: ["OnionOpsCore"],
            swiftSettings: strictSettings
        ),

        // Pure key material: v3 onion keys in tor's file formats, backend
        // key derivation, self-signed TLS certificates.
        .target(
            name: "OnionOpsKeys",
            dependencies: [
                "OnionOpsCore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),

        // Sealed secrets in the manifest repo: the age v1 format in-process
        // (X25519, swift-crypto), and the keys/ folder.
        .target(
            name: "OnionOpsSecrets",
            dependencies: [
                "OnionOpsCore",
                "OnionOpsKeys",
                // RepositoryFolder: keys/ is read like the rest of the repo,
                // never through a link.
                "OnionOpsManifest",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),

        // Edge: host transports (local folder now, SSH next), atomic writes,
        // the host lock.
        .target(
            name: "OnionOpsHosts",
            dependencies: [
                "OnionOpsCore",
                // The one process runner waits through swift-subprocess.
                .product(name: "Subprocess", package: "swift-subprocess"),
                // BlockingPool: file I/O, libgit2 and socket exchanges off
                // the cooperative pool.
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            swiftSettings: strictSettings
        ),

        // Observe, plan, and apply across hosts with rollback: the
        // reconciler the commands and the daemon drive.
        .target(
            name: "OnionOpsReconcile",
            dependencies: ["OnionOpsCore", "OnionOpsHosts"],
            swiftSettings: strictSettings
        ),

        // Edge: manifests and sealed keys from a git branch (libgit2), and
        // SSH signature checks of commits.
        .target(
            name: "OnionOpsGit",
            dependencies: ["CLibGit2", "OnionOpsCore", "OnionOpsManifest", "OnionOpsHosts"],
            swiftSettings: strictSettings
        ),

        // One way from a revision to hosts for the CLI and the daemon:
        // revision sources and snapshots (read once, named and digested the
        // same way), intake, keys, rendering, host selection, and the
        // reconciler's plan/apply/drift/status/history/rollback.
        .target(
            name: "OnionOpsEngine",
            dependencies: [
                "OnionOpsCore", "OnionOpsManifest", "OnionOpsRender", "OnionOpsSecrets", "OnionOpsHosts",
                "OnionOpsReconcile", "OnionOpsGit", "OnionOpsKeys",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),

        // What the commands print: unified diffs, dot and Mermaid graphs.
        // Kept out of the pure core, which models, validates and plans.
        .target(
            name: "OnionOpsPresentation",
            dependencies: ["OnionOpsCore"],
            swiftSettings: strictSettings
        ),

        // `onionops watch`: follows a branch, reconciles, serves the webhook
        // and metrics.
        .target(
            name: "OnionOpsDaemon",
            dependencies: [
                "OnionOpsCore", "OnionOpsReconcile", "OnionOpsGit", "OnionOpsManifest", "OnionOpsRender",
                "OnionOpsSecrets", "OnionOpsHosts", "OnionOpsEngine", "OnionOpsPresentation",
                .product(name: "Plot", package: "Plot"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),

        // `onionops import`: EOTK and Onionspray project files, keys,
        // certificates and workers to a manifest folder. Reading and
        // mapping are pure; the folder scan runs on the blocking pool.
        .target(
            name: "OnionOpsImport",
            dependencies: [
                "OnionOpsCore", "OnionOpsKeys", "OnionOpsHosts",
                .product(name: "Crypto", package: "swift-crypto"),
                // RSA keys to PKCS#8.
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
            ],
            swiftSettings: strictSettings
        ),

        // `make demo`: manifests/ in the private Tor network the e2e tests
        // use (test support on purpose), reached through its client.
        .executableTarget(
            name: "onionops-demo",
            dependencies: [
                "OnionOpsCore", "OnionOpsManifest", "OnionOpsHosts", "OnionOpsTestSupport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: strictSettings
        ),

        // A test-only tool: loops atomic writes so a test can SIGKILL it.
        .executableTarget(
            name: "onionops-fixture",
            dependencies: ["OnionOpsCore", "OnionOpsHosts"],
            swiftSettings: strictSettings
        ),

        // Every `onionops` subcommand, as a library so tests can reach it.
        .target(
            name: "OnionOpsCommands",
            dependencies: [
                "OnionOpsCore",
                "OnionOpsManifest",
                "OnionOpsRender",
                "OnionOpsKeys",
                "OnionOpsSecrets",
                "OnionOpsHosts",
                "OnionOpsReconcile",
                "OnionOpsGit",
                "OnionOpsDaemon",
                "OnionOpsEngine",
                "OnionOpsPresentation",
                .product(name: "ConsoleKitTerminal", package: "console-kit"),
                "OnionOpsImport",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Crypto", package: "swift-crypto"),
                // `onionops trigger`'s POST (already in the graph through
                // Hummingbird's tooling).
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strictSettings
        ),

        // The thin executable: `@main` only.
        .executableTarget(
            name: "onionops",
            dependencies: ["OnionOpsCommands"],
            swiftSettings: strictSettings
        ),

        // `make bench`: release-build benchmarks over synthetic topologies.
        .executableTarget(
            name: "onionops-bench",
            dependencies: [
                "OnionOpsCore",
                "OnionOpsManifest",
                "OnionOpsRender",
                "OnionOpsKeys",
                "OnionOpsSecrets",
                "OnionOpsTestSupport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strictSettings
        ),

        // Helpers shared by the test targets (fixtures, temp folders, running
        // the built binary).
        .target(
            name: "OnionOpsTestSupport",
            dependencies: [
                "OnionOpsCore", "OnionOpsManifest", "OnionOpsHosts",
                // The upstream test site (issue 15): an HTTPS server with a
                // websocket echo, its test CA, and a websocket client.
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strictSettings
        ),

        .testTarget(
            name: "OnionOpsCoreTests",
            dependencies: ["OnionOpsCore", "OnionOpsTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsManifestTests",
            dependencies: ["OnionOpsManifest", "OnionOpsCore", "OnionOpsTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsRenderTests",
            dependencies: [
                "OnionOpsRender", "OnionOpsManifest", "OnionOpsCore", "OnionOpsKeys", "OnionOpsSecrets",
                "OnionOpsTestSupport",
            ],
            exclude: ["Golden"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsHostsTests",
            dependencies: [
                "OnionOpsHosts", "OnionOpsCore", "OnionOpsManifest", "OnionOpsRender", "OnionOpsSecrets",
                "OnionOpsTestSupport", "onionops-fixture",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsReconcileTests",
            dependencies: [
                "OnionOpsReconcile", "OnionOpsHosts", "OnionOpsCore", "OnionOpsManifest", "OnionOpsRender",
                "OnionOpsSecrets", "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        // `make unit`: the reconciler over in-memory hosts (phase order,
        // publisher holds, rollback, the shared observation); no root, no
        // daemons.
        .testTarget(
            name: "OnionOpsUnitTests",
            dependencies: ["OnionOpsReconcile", "OnionOpsHosts", "OnionOpsCore", "OnionOpsTestSupport"],
            swiftSettings: strictSettings
        ),
        // `make e2e`: every Examples/ topology through a private Tor network.
        .testTarget(
            name: "OnionOpsE2ETests",
            dependencies: [
                "OnionOpsReconcile", "OnionOpsHosts", "OnionOpsCore", "OnionOpsManifest", "OnionOpsRender",
                "OnionOpsSecrets", "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsRobustnessTests",
            dependencies: [
                "OnionOpsCore", "OnionOpsHosts", "OnionOpsManifest", "OnionOpsRender", "OnionOpsSecrets",
                "OnionOpsReconcile", "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        // `make systemd-e2e`: real systemd hosts (systemd-nspawn containers)
        // reached over SSH, as root and as a deploy user with sudo.
        .testTarget(
            name: "OnionOpsSystemdTests",
            dependencies: [
                "OnionOpsCore", "OnionOpsHosts", "OnionOpsManifest", "OnionOpsReconcile", "OnionOpsRender",
                "OnionOpsSecrets", "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        // `make security`: each finding of the hardening review, acted out by
        // the attacker (a daemon user through runuser, a second process, a
        // forged commit).
        .testTarget(
            name: "OnionOpsSecurityTests",
            dependencies: [
                "OnionOpsCore", "OnionOpsHosts", "OnionOpsManifest", "OnionOpsRender", "OnionOpsSecrets",
                "OnionOpsReconcile", "OnionOpsKeys", "OnionOpsGit", "OnionOpsDaemon", "OnionOpsCommands",
                "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsGitTests",
            dependencies: ["OnionOpsGit", "OnionOpsCore", "OnionOpsManifest", "OnionOpsTestSupport"],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsKeysTests",
            dependencies: [
                "OnionOpsKeys", "OnionOpsSecrets", "OnionOpsHosts", "OnionOpsTestSupport",
                .product(name: "X509", package: "swift-certificates"),
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsCommandsTests",
            dependencies: [
                "OnionOpsCommands", "OnionOpsTestSupport", "onionops", "OnionOpsDaemon", "OnionOpsEngine",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsImportTests",
            dependencies: [
                "OnionOpsImport", "OnionOpsCore", "OnionOpsKeys", "OnionOpsManifest", "OnionOpsCommands",
                "OnionOpsSecrets", "OnionOpsTestSupport",
            ],
            swiftSettings: strictSettings
        ),
        .testTarget(
            name: "OnionOpsPresentationTests",
            dependencies: ["OnionOpsPresentation", "OnionOpsCore", "OnionOpsTestSupport"],
            swiftSettings: strictSettings
        ),
    ]
)
