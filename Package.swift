// swift-tools-version:6.0
import PackageDescription

// Dependency direction (nothing points back up):
//   sweep-mpi -> {Sweep, Engine};  Sweep -> {Values, CMPI, CHDF5};  Engine -> {Kernels, Values};
//   Kernels -> CBLAS.
// Values holds what the Engine and the Sweep exchange: JSON parameter values, metric specs, errors.
// Kernels (Sources/Engine/Kernels) is a target of its own so that no kernel can see a family.
let package = Package(
    name: "sweep-mpi",
    products: [
        .executable(name: "sweep-mpi", targets: ["sweep-mpi"]),
        .library(name: "Engine", targets: ["Engine"]),
        .library(name: "Sweep", targets: ["Sweep"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        .systemLibrary(name: "CMPI", pkgConfig: "ompi",
                       providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        .systemLibrary(name: "CBLAS", pkgConfig: "openblas",
                       providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(name: "CHDF5", pkgConfig: "hdf5-openmpi",
                       providers: [.apt(["libhdf5-openmpi-dev"])]),
        .target(name: "Values"),
        .target(name: "Kernels", dependencies: ["CBLAS"], path: "Sources/Engine/Kernels"),
        .target(name: "Engine", dependencies: ["Kernels", "Values"], path: "Sources/Engine", exclude: ["Kernels"]),
        .target(name: "Sweep", dependencies: ["Values", "CMPI", "CHDF5"]),
        .executableTarget(name: "sweep-mpi", dependencies: [
            "Engine", "Sweep",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .testTarget(name: "KernelTests", dependencies: ["Kernels"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep"]),
        .executableTarget(name: "sweep-harness", dependencies: ["Sweep"], path: "Tests/Harness"),
        .testTarget(name: "EndToEndTests", dependencies: ["Sweep", "Engine", "sweep-harness", "sweep-mpi"],
                    exclude: ["Fixtures"]),
    ]
)
