// swift-tools-version:6.0
import Foundation
import PackageDescription

// Dependency direction (nothing points back up):
//   sweep-mpi -> {Sweep, Engine};  Sweep -> {Values, CMPI, CHDF5};  Engine -> {Kernels, Values};
//   Kernels -> {CBLAS, CVectorKernels}.
// Values holds what the Engine and the Sweep exchange: JSON parameter values, metric specs, errors.
// Kernels (Sources/Engine/Kernels) is a target of its own so that no kernel can see a family.
// The kernels and the families are compiled for x86-64-v3 (AVX2, FMA, BMI2: Intel from Haswell,
// 2013, AMD from Zen, 2017): their vector loops (tanh, σ, the gated recurrences' elementwise steps)
// then run 8 lanes per instruction instead of SSE2's 4. Swift never fuses a multiply and an add by
// itself, so the results are bit-identical to a baseline build. The executable stays baseline and
// checks the CPU before any kernel runs. SWEEP_MPI_PORTABLE=1 builds for any x86-64 CPU.
#if arch(x86_64)
let vectorISA: [SwiftSetting] = ProcessInfo.processInfo.environment["SWEEP_MPI_PORTABLE"] == "1"
    ? [] : [.unsafeFlags(["-target-cpu", "haswell"])]
let requiresVectorISA: [SwiftSetting] = vectorISA.isEmpty ? [] : [.define("KERNELS_REQUIRE_X86_64_V3")]
#else
let vectorISA: [SwiftSetting] = []
let requiresVectorISA: [SwiftSetting] = []
#endif

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
        // Vector kernels in C (the GRU's gates, a Double tanh, CholeskyQR2, a Float Cholesky), compiled
        // for SSE2, AVX2 and AVX-512 and chosen at run time (Swift compiles a module for one
        // instruction set only). No fused multiply-adds: every variant gives the same bits. 512-bit
        // vectors pass between inlined helpers in the narrower variants too (-Wno-psabi).
        .target(name: "CVectorKernels", cSettings: [.unsafeFlags(["-ffp-contract=off", "-fno-fast-math", "-Wno-psabi"])]),
        .target(name: "Kernels", dependencies: ["CBLAS", "CVectorKernels"], path: "Sources/Engine/Kernels", swiftSettings: vectorISA),
        .target(name: "Engine", dependencies: ["Kernels", "Values"], path: "Sources/Engine", exclude: ["Kernels"],
                swiftSettings: vectorISA),
        .target(name: "Sweep", dependencies: ["Values", "CMPI", "CHDF5"]),
        .executableTarget(name: "sweep-mpi", dependencies: [
            "Engine", "Sweep",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: requiresVectorISA),
        .testTarget(name: "KernelTests", dependencies: ["Kernels", "CVectorKernels"]),
        .testTarget(name: "EngineTests", dependencies: ["Engine"]),
        .testTarget(name: "SweepTests", dependencies: ["Sweep"]),
        .executableTarget(name: "sweep-harness", dependencies: ["Sweep"], path: "Tests/Harness"),
        .testTarget(name: "EndToEndTests", dependencies: ["Sweep", "Engine", "sweep-harness", "sweep-mpi"],
                    exclude: ["Fixtures"], swiftSettings: requiresVectorISA),
    ]
)
