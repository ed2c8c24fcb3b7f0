// swift-tools-version:6.0
import PackageDescription

let argumentParser = Target.Dependency.product(name: "ArgumentParser", package: "swift-argument-parser")

let package = Package(
  name: "dlscale",
  products: [
    .executable(name: "dlscale", targets: ["Coordinator"]),
    .executable(name: "dlscale-agent", targets: ["Agent"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
    .package(url: "https://github.com/JohnSundell/Plot", from: "0.14.0"),
  ],
  targets: [
    // C interop: thin system-library targets, nothing above Collectives/Kernels sees them.
    .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev"])]),
    .systemLibrary(name: "CBLAS", pkgConfig: "openblas", providers: [.apt(["libopenblas-dev"])]),
    .systemLibrary(name: "CSVM", providers: [.apt(["libsvm-dev"])]),

    .target(name: "Measurements"),
    .target(name: "Collectives", dependencies: ["CMPI", "Measurements"]),
    .target(name: "Kernels", dependencies: ["CBLAS", "Measurements"]),
    .target(name: "Fitting", dependencies: ["CSVM", "Kernels", "Measurements"]),
    .target(name: "Reporting", dependencies: ["Fitting", "Measurements", .product(name: "Plot", package: "Plot")]),
    // The command-line form of the options that both executables take.
    .target(name: "CommandLineOptions", dependencies: ["Kernels", "Measurements", argumentParser]),
    .executableTarget(
      name: "Agent",
      dependencies: ["Collectives", "CommandLineOptions", "Kernels", "Measurements", argumentParser]
    ),
    .executableTarget(
      name: "Coordinator",
      dependencies: [
        "CommandLineOptions", "Fitting", "Kernels", "Measurements", "Reporting", argumentParser,
        .product(name: "Yams", package: "Yams"),
      ]
    ),

    // Runs the built executables and mpirun from the tests.
    .target(name: "TestSupport", path: "Tests/TestSupport"),
    .testTarget(name: "MeasurementsTests", dependencies: ["Measurements"]),
    .testTarget(name: "CollectivesTests", dependencies: ["Collectives", "Measurements", "TestSupport"]),
    .testTarget(name: "KernelsTests", dependencies: ["Kernels"]),
    .testTarget(name: "FittingTests", dependencies: ["Fitting", "Kernels", "Measurements"]),
    .testTarget(name: "ReportingTests", dependencies: ["Fitting", "Reporting", "Measurements", "TestSupport"]),
    .testTarget(name: "AgentTests", dependencies: ["Agent", "Kernels", "Measurements", "TestSupport"]),
    .testTarget(name: "CoordinatorTests", dependencies: ["Coordinator", "Measurements", "TestSupport"]),
  ],
  swiftLanguageModes: [.v6]
)
