import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench flossing`: the speed of the README example network of gradient flossing,
/// against the core's large-product rate; with --trace-out, the first flossing and training
/// steps as .npy files for scripts/flossing/reference_step.py.
struct BenchFlossing: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flossing",
        abstract: "Train the gradient-flossing README network; seconds per epoch and per flossing update, GFLOP/s.",
        discussion: """
            Trains the README example (N 80, T 300, B 16, delayed XOR at d 10, 3001 epochs, 500 \
            preflossing updates and 2 x 500 interflossing updates, k 75) once, reporting wall and \
            CPU seconds; then times training epochs and flossing updates alone. FLOPs are counted \
            from the shapes (estimatedFLOPs). The large-product rate is single-thread sgemm at \
            1000 x 1000 x 1000, measured in the same run. Rates are per CPU second of this \
            process (OpenBLAS runs one thread), so that other processes sharing the cores change \
            the wall times but not the rates. The reference (Julia/Flux) reports \
            "minutes to a few hours" per run; scripts/flossing/reference_step.py --time measures a \
            PyTorch autograd re-statement of its steps on this machine.
            """)

    @Option(help: "Training epochs of the full run (the README's 3001).") var epochs = 3001
    @Option(help: "Seed.") var seed = 0
    @Option(help: "Epochs and flossing updates of the separate per-step timings.") var repeats = 300
    @Option(help: ArgumentHelp("Write the first flossing and training steps of the network as .npy files to this folder and stop.",
                               valueName: "dir"))
    var traceOut: String?

    func run() throws {
        BLAS.useSingleThread()
        let config = try FlossingConfig(JSONObject([("seed", .number(Double(seed))), ("E", .number(Double(epochs)))]))
        if let traceOut {
            try FlossingTrace.write(config, to: traceOut)
            print("wrote the first flossing and training steps of seed \(seed) to \(traceOut)")
            return
        }
        let large = Self.sgemmGFLOPs(m: 1000, n: 1000, k: 1000)
        print(String(format: "single-thread sgemm 1000x1000x1000: %.1f GFLOP/s per CPU second (the core's large-product rate)", large))
        print(String(format: "single-thread sgemm 16x80x80: %.1f GFLOP/s (one training step's product)", Self.sgemmGFLOPs(m: 16, n: 80, k: 80)))
        print(String(format: "single-thread sgemm 75x80x80: %.1f GFLOP/s (J Q of a flossing step)", Self.sgemmGFLOPs(m: 75, n: 80, k: 80)))
        print(String(format: "single-thread QR 80x75 (sgeqrf + sorgqr): %.1f GFLOP/s", try Self.qrGFLOPs(rows: 80, columns: 75)))

        // The whole README network.
        let wallStart = ContinuousClock.now, cpuStart = Self.cpuSeconds()
        let result = try FlossingExperiment(config).run(RunToCompletion())
        let wall = (ContinuousClock.now - wallStart).seconds, cpu = Self.cpuSeconds() - cpuStart
        let flops = config.estimatedFLOPs
        print("")
        print("README network (N 80, T 300, B 16, XOR d 10, \(epochs) epochs, \(config.flossingUpdates) flossing updates, k 75):")
        print(String(format: "  %.1f s wall, %.1f s CPU (train %.1f s, flossing %.1f s, analyses %.1f s wall); test accuracy %.4f",
                     wall, cpu, result.timings["train_seconds"]!, result.timings["flossing_seconds"]!, result.timings["analysis_seconds"]!,
                     result.metrics["test_accuracy"]![0]))
        print(String(format: "  %.0f GFLOP: %.1f GFLOP/s per CPU second = %.0f %% of the large-product rate",
                     flops / 1e9, flops / cpu / 1e9, 100 * flops / cpu / 1e9 / large))

        // Training epochs and flossing updates alone, on a fresh network.
        let network = RateNetwork(config: config)
        try network.initialize()
        let trainer = BitTaskTrainer(config: config, network: network)
        let flosser = try Flosser(config: config, network: network)
        let (flossWall, flossCPU) = try Self.time { for _ in 0..<repeats { _ = try flosser.update() } }
        let (trainWall, trainCPU) = try Self.time { for epoch in 0..<repeats { _ = trainer.trainingStep(epoch: epoch) } }
        let perEpoch = trainCPU / Double(repeats), perUpdate = flossCPU / Double(repeats)
        print("")
        print(String(format: "training epoch (B 16 x T 300 forward and backward, clip, AdamW): %.2f ms CPU (%.2f ms wall), %.1f GFLOP/s = %.0f %%",
                     1e3 * perEpoch, 1e3 * trainWall / Double(repeats), config.epochFLOPs / perEpoch / 1e9, 100 * config.epochFLOPs / perEpoch / 1e9 / large))
        print(String(format: "flossing update (55 QR steps of 80 x 75 and their adjoints, AdamW): %.2f ms CPU (%.2f ms wall), %.1f GFLOP/s = %.0f %%",
                     1e3 * perUpdate, 1e3 * flossWall / Double(repeats), config.flossingUpdateFLOPs / perUpdate / 1e9,
                     100 * config.flossingUpdateFLOPs / perUpdate / 1e9 / large))
        print(String(format: "  => 3001 epochs + 1500 updates: %.1f s CPU on one core", 3001 * perEpoch + 1500 * perUpdate))
        print(String(format: "peak resident memory of this process: %.1f MB", BenchTrain.peakMemoryMB()))
    }

    /// Wall and CPU seconds of `body`.
    static func time(_ body: () throws -> Void) rethrows -> (wall: Double, cpu: Double) {
        let wall = ContinuousClock.now, cpu = cpuSeconds()
        try body()
        return ((ContinuousClock.now - wall).seconds, cpuSeconds() - cpu)
    }

    /// CPU time of this process (all threads; OpenBLAS runs one).
    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }

    /// Best-of-5 single-thread sgemm rate at one shape, per CPU second.
    static func sgemmGFLOPs(m: Int, n: Int, k: Int) -> Double {
        var s = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n), c = [Float](repeating: 0, count: m * n)
        s.fillNormal(&a, count: a.count); s.fillNormal(&b, count: b.count)
        let repeats = max(10, Int(2e9 / Double(2 * m * n * k)))
        return bestRate(flops: Double(2 * m * n * k * repeats)) {
            for _ in 0..<repeats { BLAS.gemm(transposeB: true, m: m, n: n, k: k, a, b, beta: 1, &c) }
        }
    }

    /// Best-of-5 rate of the Float32 thin QR at one shape (4 m n² − 4 n³ / 3 FLOPs), per CPU second.
    static func qrGFLOPs(rows m: Int, columns n: Int) throws -> Double {
        var stream = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        var a = [Float](repeating: 0, count: m * n), work = a, r = [Float](repeating: 0, count: n * n)
        stream.fillNormal(&a, count: a.count)
        let qr = ThinQR(rows: m, columns: n)
        let repeats = 2000
        return try bestRate(flops: (4 * Double(m * n * n) - 4 * Double(n * n * n) / 3) * Double(repeats)) {
            for _ in 0..<repeats {
                work = a
                try qr.factor(&work, r: &r)
            }
        }
    }

    /// GFLOP per CPU second of the best of 5 runs of `body`.
    static func bestRate(flops: Double, _ body: () throws -> Void) rethrows -> Double {
        var best = 0.0
        for _ in 0..<5 {
            let start = cpuSeconds()
            try body()
            best = max(best, flops / (cpuSeconds() - start) / 1e9)
        }
        return best
    }
}

/// The first steps of a flossing network as a folder of .npy files (numpy format 1.0, C order):
/// the initial parameters; one flossing gradient and the parameters after that flossing update;
/// one training gradient (before clipping) and the parameters after that training update.
enum FlossingTrace {
    static func write(_ config: FlossingConfig, to folder: String) throws {
        let manager = FileManager.default
        for sub in ["init", "floss", "train"] {
            try manager.createDirectory(atPath: folder + "/" + sub, withIntermediateDirectories: true)
        }
        let network = RateNetwork(config: config)
        try network.initialize()
        let trainer = BitTaskTrainer(config: config, network: network)
        let flosser = try Flosser(config: config, network: network)
        let store = network.parameters
        func values(_ name: String) -> [Float] { Array(UnsafeBufferPointer(start: store.values(name), count: store.spec(name).count)) }
        func gradients(_ name: String) -> [Float] { Array(UnsafeBufferPointer(start: store.gradients(name), count: store.spec(name).count)) }
        func saveParameters(_ prefix: String) throws {
            for spec in store.specs { try NPY.write(values(spec.name), shape: spec.shape, to: "\(folder)/\(prefix)\(spec.name).npy") }
        }
        let n = config.N, k = config.nLE
        try saveParameters("init/")

        let flossingLoss = try flosser.gradient(update: 0)
        let evaluation = flosser.lastEvaluation
        try NPY.write(evaluation.inputs, shape: [config.Tp], to: "\(folder)/floss/inputs.npy")
        try NPY.write(evaluation.initialBasis, shape: [k, n], to: "\(folder)/floss/q0_columns.npy")
        try NPY.write(evaluation.exponents, shape: [k], to: "\(folder)/floss/exponents.npy")
        try NPY.write([flossingLoss], shape: [1], to: "\(folder)/floss/loss.npy")
        for name in RateNetwork.flossedTensors {
            try NPY.write(gradients(name), shape: store.spec(name).shape, to: "\(folder)/floss/grad_\(name).npy")
        }
        _ = try flosser.update()
        try saveParameters("floss/after_")

        let step = trainer.gradient(epoch: 0)
        let batch = trainer.lastBatch
        try NPY.write(batch.inputs, shape: [config.T, config.B], to: "\(folder)/train/inputs.npy")
        try NPY.write(batch.targets, shape: [config.lossSteps, config.B], to: "\(folder)/train/targets.npy")
        try NPY.write([step.loss, step.accuracy, step.gradientNorm], shape: [3], to: "\(folder)/train/loss_accuracy_norm.npy")
        for spec in store.specs { try NPY.write(gradients(spec.name), shape: spec.shape, to: "\(folder)/train/grad_\(spec.name).npy") }
        _ = trainer.trainingStep(epoch: 0)
        try saveParameters("train/after_")
        let resolved = try FlossingFamily().configuration(JSONObject([("seed", .number(Double(config.seed))), ("E", .number(Double(config.E)))])).1
        try (resolved.compactText + "\n").write(toFile: folder + "/config.json", atomically: true, encoding: .utf8)
    }
}

/// Writing one trace array (the project's .npy format, `NPY.encode`) to a file.
extension NPY {
    static func write(_ values: [Float], shape: [Int], to path: String) throws {
        try encode(.float32(values, shape: shape)).write(to: URL(fileURLWithPath: path))
    }

    static func write(_ values: [Double], shape: [Int], to path: String) throws {
        try encode(.float64(values, shape: shape)).write(to: URL(fileURLWithPath: path))
    }
}
