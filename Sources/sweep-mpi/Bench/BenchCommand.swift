import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench ...`: measurements that print numbers and ratios (never pass/fail).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Benchmarks: training speed against the BLAS bound and the reference.",
        subcommands: [BenchTrain.self, BenchTimescales.self],
        defaultSubcommand: BenchTrain.self)
}

struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train one Figure 2 network and report seconds per epoch and GFLOP/s.",
        discussion: """
            Runs the Fig 2 configuration twice: with cce (as the paper: once the Float32 loss is \
            exactly 0 the update and the backward pass are skipped) and with mse (every minibatch \
            runs forward and backward, the pure training speed). FLOPs are counted from the shapes. \
            The bound is single-thread sgemm at the shape of one recurrent step, measured in the \
            same run. The reference PyTorch code needs 0.47 s per epoch on a 2-core EPYC and \
            0.32 s on a 16-core Xeon.
            """)

    @Option(help: "Epochs to train.") var epochs = 40
    @Option(help: "g_radius of the network.") var gRadius = 20.0
    @Option(help: "Seed.") var seed = 0

    func run() throws {
        BLAS.useSingleThread()
        let sgemm = Self.sgemmGFLOPs(m: 10, n: 200, k: 200)
        print(String(format: "single-thread sgemm 10x200x200: %.1f GFLOP/s (the BLAS bound of one 200-unit RNN step at batch 10)", sgemm))
        print(String(format: "single-thread sgemm 200x200x100: %.1f GFLOP/s (weight-gradient shape)", Self.sgemmGFLOPs(m: 200, n: 200, k: 100)))
        for loss in ["cce", "mse"] {
            let config = try FarrellConfig(JSONObject([("num_epochs", .number(Double(epochs))), ("g_radius", .number(gRadius)),
                                                       ("seed", .number(Double(seed))), ("loss", .string(loss)), ("analyses", .array([]))]))
            let result = try FarrellExperiment(config).run(RunToCompletion())
            let seconds = result.timings["train_seconds"]!
            let steps = result.metrics["optimizer_steps"]![0], skipped = result.metrics["skipped_steps"]![0]
            let forward = config.forwardFLOPs(batch: config.batch_size), backward = config.backwardFLOPs(batch: config.batch_size)
            let flops = (steps + skipped) * forward + steps * backward
                + Double(epochs * config.validationBatchesPerEpoch) * forward
            let perEpoch = seconds / Double(epochs), gflops = flops / seconds / 1e9
            print("")
            print("Fig 2 network, loss \(loss), g_radius \(gRadius), \(epochs) epochs: \(Int(steps)) updates, \(Int(skipped)) zero-loss minibatches skipped")
            print(String(format: "  %.4f s per epoch, %.1f GFLOP/s = %.0f %% of the sgemm bound", perEpoch, gflops, 100 * gflops / sgemm))
            print(String(format: "  %.1fx faster than the reference on this kind of machine (0.47 s/epoch), %.1fx than on a 16-core Xeon (0.32 s/epoch)",
                         0.47 / perEpoch, 0.32 / perEpoch))
            if loss == "mse" {
                // The time of the full work, as if no minibatch were skipped.
                let full = config.trainingFLOPs / Double(epochs) / (sgemm * 1e9)
                print(String(format: "  BLAS-bound time per epoch at %.1f GFLOP/s: %.4f s; measured / bound = %.2f", sgemm, full, perEpoch / full))
            }
        }
        print("")
        print(String(format: "peak resident memory of this process: %.1f MB", Self.peakMemoryMB()))
    }

    /// Best-of-5 single-thread sgemm throughput at one shape, in wall time or (`cpuTime`) in the
    /// process's CPU time, which other jobs on a shared machine do not inflate.
    static func sgemmGFLOPs(m: Int, n: Int, k: Int, cpuTime: Bool = false) -> Double {
        var s = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n), c = [Float](repeating: 0, count: m * n)
        s.fillNormal(&a, count: a.count); s.fillNormal(&b, count: b.count)
        let repeats = max(10, Int(2e8 / Double(2 * m * n * k)))
        var best = 0.0
        let clock = ContinuousClock()
        for _ in 0..<5 {
            let start = clock.now, startCPU = ProcessCPUTime.seconds()
            for _ in 0..<repeats { BLAS.gemm(transposeB: true, m: m, n: n, k: k, a, b, beta: 1, &c) }
            let elapsed = cpuTime ? ProcessCPUTime.seconds() - startCPU : (clock.now - start).seconds
            best = max(best, Double(2 * m * n * k * repeats) / elapsed / 1e9)
        }
        return best
    }

    /// VmHWM from /proc/self/status.
    static func peakMemoryMB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return .nan }
        for line in status.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? .nan
            return kilobytes / 1024
        }
        return .nan
    }
}
