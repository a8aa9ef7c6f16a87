import ArgumentParser
import Engine
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// `sweep-mpi bench latent`: seconds per epoch of one latent_dynamics trial, in CPU time (the
/// measure that survives a shared machine) and wall time, against the single-thread sgemm rate
/// measured in the same run. scripts/latent_dynamics/speed.sh sets it beside the reference.
struct BenchLatent: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "latent",
        abstract: "Train one latent_dynamics trial and report seconds per epoch and GFLOP/s.",
        discussion: """
            Trains the configuration twice in one process, for 1 and for 1 + EPOCHS epochs (the \
            data set is built by the first and reused), and reports the difference per epoch: the \
            cost of an epoch without the data set. FLOPs are counted from the shapes (the cost \
            estimate). The large-product rate is single-thread sgemm at 1000 x 1000 x 1000, \
            measured in the same run.
            """)

    @Option(help: "The model (decoder).") var model = "node-discrete"
    @Option(help: "Latent size L.") var latentSize = 3
    @Option(help: "Neurons n.") var neurons = 10
    @Option(help: "Bins the loss reads (points_per_group, the curriculum's first group).") var points = 20
    @Option(help: "Timed epochs.") var epochs = 10
    @Option(help: "Lanes of the GRU's gate kernels (4, 8 or 16; default: the widest this CPU runs).") var gateLanes: Int?

    func validate() throws {
        if let gateLanes, ![4, 8, 16].contains(gateLanes) {
            throw ValidationError("--gate-lanes must be 4, 8 or 16, not \(gateLanes)")
        }
        if let gateLanes, !VectorKernels.supports(lanes: gateLanes) {
            throw ValidationError("--gate-lanes \(gateLanes): this CPU has no \(VectorKernels.instructionSet(lanes: gateLanes))")
        }
    }

    func run() throws {
        BLAS.useSingleThread()
        VectorKernels.select(lanes: gateLanes)
        print("OpenBLAS: \(BLAS.configuration)")
        print(openBLASCoreLine())
        let peak = Self.sgemmGFLOPs(size: 1000)
        print(String(format: "single-thread sgemm 1000x1000x1000: %.1f GFLOP/s in CPU time (the core's large-product rate)", peak))
        func config(_ epochs: Int) throws -> LatentDynamicsConfig {
            try LatentDynamicsConfig(JSONObject([("model", .string(model)), ("latent_size", .number(Double(latentSize))),
                                                 ("obs_dim", .number(Double(neurons))), ("points_per_group", .number(Double(points))),
                                                 ("epochs_per_group", .number(1_000_000)), ("max_epochs", .number(Double(epochs)))]))
        }
        func measure(_ epochs: Int) throws -> (cpu: Double, wall: Double) {
            let experiment = LatentDynamicsExperiment(try config(epochs))
            let cpu = Self.cpuSeconds(), clock = ContinuousClock(), start = clock.now
            _ = try experiment.run(RunToCompletion())
            return (Self.cpuSeconds() - cpu, (clock.now - start).seconds)
        }
        let short = try measure(1), long = try measure(1 + epochs)
        let cpu = (long.cpu - short.cpu) / Double(epochs), wall = (long.wall - short.wall) / Double(epochs)
        let flops = try config(1).epochFLOPs(epoch: 0)
        print(String(format: "%@, L = %d, n = %d, %d bins in the loss: %.3f GFLOP per epoch", model, latentSize, neurons, points, flops / 1e9))
        print(String(format: "  %.4f s CPU per epoch (%.4f s wall), %.1f GFLOP/s = %.0f %% of the large-product rate",
                     cpu, wall, flops / cpu / 1e9, 100 * flops / cpu / 1e9 / peak))
        let json = JSONObject([("model", .string(model)), ("latent_size", .number(Double(latentSize))), ("neurons", .number(Double(neurons))),
                               ("points", .number(Double(points))), ("cpu_per_epoch", .number(cpu)), ("wall_per_epoch", .number(wall)),
                               ("gflop_per_epoch", .number(flops / 1e9)), ("sgemm_gflops", .number(peak))])
        print(JSONValue.object(json).compactText)
    }

    /// Best-of-5 single-thread sgemm throughput of a square product, in CPU time.
    static func sgemmGFLOPs(size n: Int) -> Double {
        var s = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        var a = [Float](repeating: 0, count: n * n), b = a, c = a
        s.fillNormal(&a, count: a.count); s.fillNormal(&b, count: b.count)
        var best = 0.0
        for _ in 0..<5 {
            let start = cpuSeconds()
            for _ in 0..<3 { BLAS.gemm(m: n, n: n, k: n, a, b, beta: 1, &c) }
            best = max(best, 3 * 2 * Double(n * n * n) / (cpuSeconds() - start) / 1e9)
        }
        return best
    }

    /// CPU time of this process (user + system).
    static func cpuSeconds() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6
    }
}
