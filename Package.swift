// swift-tools-version:6.0
//
// FedSurv: federated, differentially private pan-cancer survival prediction.
//
// One library target per concern; the three executables only parse arguments,
// call a library and map errors to exit codes. C libraries come from Debian
// through system-library targets (see `scripts/install-deps`).

import PackageDescription

let package = Package(
    name: "FedSurv",
    products: [
        .executable(name: "site-agent", targets: ["SiteAgent"]),
        .executable(name: "coordinator", targets: ["Coordinator"]),
        .executable(name: "privacy-audit", targets: ["PrivacyAudit"]),
    ],
    targets: [
        // MARK: - C libraries from Debian

        .systemLibrary(
            name: "CBLAS", pkgConfig: "openblas",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CSQLite", pkgConfig: "sqlite3",
            providers: [.apt(["libsqlite3-dev"])]),
        .systemLibrary(
            name: "COpenSSL", pkgConfig: "openssl",
            providers: [.apt(["libssl-dev"])]),
        .systemLibrary(
            name: "CZlib", pkgConfig: "zlib",
            providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(
            name: "CCurl", pkgConfig: "libcurl",
            providers: [.apt(["libcurl4-openssl-dev"])]),
        .systemLibrary(
            name: "CEvent", pkgConfig: "libevent_openssl",
            providers: [.apt(["libevent-dev"])]),
        // Small C functions for what Swift cannot import: variadic and macro-based calls.
        .target(
            name: "CFedSurvShims", dependencies: ["CCurl", "CEvent", "COpenSSL"],
            linkerSettings: [.linkedLibrary("curl"), .linkedLibrary("event_openssl"), .linkedLibrary("event")]),

        // MARK: - Libraries, one per concern

        // Logging, command-line parsing and small shared utilities.
        .target(name: "FedSurvCore"),
        // TCGA readers, barcodes, survival fields, preprocessing, splits, partitions.
        .target(name: "FedSurvData", dependencies: ["FedSurvCore", "CZlib"]),
        // Matrices on OpenBLAS, layers with hand-written backward passes, Adam.
        .target(name: "FedSurvNN", dependencies: ["FedSurvCore", "CBLAS"]),
        // The bilayer attention model, survival losses, metrics, training, model files.
        .target(
            name: "FedSurvModel",
            dependencies: ["FedSurvCore", "FedSurvData", "FedSurvNN", "FedSurvPrivacy", "FedSurvLedger"]),
        // Noise samplers, clipping, privacy accounting.
        .target(name: "FedSurvPrivacy", dependencies: ["FedSurvCore", "COpenSSL"]),
        // Append-only privacy-budget ledgers in SQLite, chained by SHA-256.
        .target(name: "FedSurvLedger", dependencies: ["FedSurvCore", "FedSurvPrivacy", "CSQLite", "COpenSSL"]),
        // Ledger audits: summaries, cross-checks, exports and the HTML report.
        .target(name: "FedSurvAudit", dependencies: ["FedSurvCore", "FedSurvLedger"]),
        // The TOML subset the configuration files use.
        .target(name: "FedSurvConfig", dependencies: ["FedSurvCore"]),
        // The consortium CA: keys, certificate signing requests, roles, revocation.
        .target(name: "FedSurvIdentity", dependencies: ["FedSurvCore", "COpenSSL"]),
        // HTTPS with mutual TLS 1.3: libevent server, libcurl client.
        .target(
            name: "FedSurvTransport",
            dependencies: ["FedSurvCore", "FedSurvIdentity", "CFedSurvShims", "CCurl", "CEvent", "COpenSSL"]),
        // Rounds as a pure state machine, update validation, aggregation strategies.
        .target(name: "FedSurvFederation", dependencies: ["FedSurvCore"]),
        // The coordinator service: HTTP endpoints, SQLite state, rounds, ledger.
        .target(
            name: "FedSurvCoordinator",
            dependencies: [
                "FedSurvCore", "FedSurvConfig", "FedSurvIdentity", "FedSurvTransport", "FedSurvFederation",
                "FedSurvLedger", "FedSurvPrivacy", "FedSurvNN", "FedSurvModel", "FedSurvData", "CSQLite",
            ]),
        // The site agent: join rounds, train under DP, upload, keep the local ledger.
        .target(
            name: "FedSurvAgent",
            dependencies: [
                "FedSurvCore", "FedSurvConfig", "FedSurvTransport", "FedSurvFederation", "FedSurvLedger",
                "FedSurvPrivacy", "FedSurvNN", "FedSurvModel", "FedSurvData",
            ]),

        // MARK: - Executables

        .executableTarget(
            name: "SiteAgent",
            dependencies: [
                "FedSurvCore", "FedSurvData", "FedSurvModel", "FedSurvPrivacy", "FedSurvLedger", "FedSurvConfig",
                "FedSurvIdentity", "FedSurvAgent", "FedSurvNN",
            ]),
        .executableTarget(
            name: "Coordinator",
            dependencies: [
                "FedSurvCore", "FedSurvConfig", "FedSurvIdentity", "FedSurvTransport", "FedSurvFederation",
                "FedSurvCoordinator",
            ]),
        .executableTarget(
            name: "PrivacyAudit",
            dependencies: ["FedSurvCore", "FedSurvPrivacy", "FedSurvLedger", "FedSurvAudit", "FedSurvConfig"]),

        // MARK: - Tests

        .testTarget(name: "FedSurvCoreTests", dependencies: ["FedSurvCore"]),
        .testTarget(name: "FedSurvDataTests", dependencies: ["FedSurvData", "CZlib"]),
        .testTarget(name: "FedSurvNNTests", dependencies: ["FedSurvNN"]),
        .testTarget(name: "FedSurvLedgerTests", dependencies: ["FedSurvLedger", "FedSurvPrivacy"]),
        .testTarget(name: "FedSurvAuditTests", dependencies: ["FedSurvAudit", "FedSurvLedger"]),
        .testTarget(
            name: "FedSurvCoordinatorTests",
            dependencies: ["FedSurvCoordinator", "FedSurvAgent", "FedSurvFederation", "FedSurvLedger"]),
        .testTarget(name: "FedSurvConfigTests", dependencies: ["FedSurvConfig"]),
        .testTarget(name: "FedSurvIdentityTests", dependencies: ["FedSurvIdentity"]),
        .testTarget(name: "FedSurvTransportTests", dependencies: ["FedSurvTransport", "FedSurvIdentity"]),
        .testTarget(name: "FedSurvFederationTests", dependencies: ["FedSurvFederation"]),
        .testTarget(
            name: "FedSurvModelTests",
            dependencies: ["FedSurvModel", "FedSurvNN", "FedSurvData"],
            resources: [.copy("Fixtures")]),
        .testTarget(
            name: "FedSurvPrivacyTests", dependencies: ["FedSurvPrivacy"],
            resources: [.copy("Fixtures")]),
    ]
)
