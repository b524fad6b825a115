// swift-tools-version:6.0
import PackageDescription

// Arrows point one way: CLI → Render → Lessons → Sessions → Wire, with Capture feeding them.
let package = Package(
    name: "SocketScope",
    products: [
        .executable(name: "socketscope", targets: ["socketscope"]),
        .library(name: "SocketScope", targets: ["Capture", "Wire", "Sessions", "Lessons", "Render"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .target(name: "Capture", dependencies: ["CPcap"]),
        .target(name: "Wire"),
        // SHA-256 blocks with the CPU's SHA instructions when present (HTTP body digests); C for the intrinsics.
        .target(name: "CSHA256"),
        .target(name: "Sessions", dependencies: ["Wire", "CSHA256"]),
        .target(name: "Lessons", dependencies: ["Sessions", "Wire"]),
        .target(name: "Render", dependencies: ["Lessons", "Sessions", "Wire", "Capture"]),
        .executableTarget(
            name: "socketscope",
            dependencies: [
                "Capture", "Wire", "Sessions", "Lessons", "Render",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        .testTarget(name: "CaptureTests", dependencies: ["Capture"], exclude: ["Fixtures"]),
        .testTarget(name: "WireTests", dependencies: ["Wire", "Capture"], exclude: ["Fixtures"]),
        .testTarget(name: "SessionsTests", dependencies: ["Sessions", "Wire", "Capture"], exclude: ["Fixtures"]),
        .testTarget(name: "LessonsTests", dependencies: ["Lessons", "Sessions", "Wire", "Capture"], exclude: ["Fixtures"]),
        .testTarget(name: "RenderTests", dependencies: ["Render", "Lessons", "Sessions", "Wire", "Capture"]),
        .testTarget(name: "CLITests", dependencies: ["socketscope"], exclude: ["Fixtures"]),
        .testTarget(name: "LabTests"),
        .testTarget(
            name: "RobustnessTests",
            dependencies: ["Capture", "Wire", "Sessions", "Lessons", "Render", "socketscope"]
        ),
    ]
)
