import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench train`: the speed of one core on the Figure 2 network, in one run: the core's
/// large-product peak and the rates of the network's own product shapes, seconds per epoch for
/// cce and mse, the analyses against the training, the generic-kernel trap, and an earlier build.
struct BenchTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Seconds per epoch of a Figure 2 network, its analyses, and the matrix-product rates of this core.",
        discussion: """
            The Fig 2 network (N 200, X_dim 200, 10 steps, batch 10) trains twice: with cce (as the \
            paper: once the Float32 loss of a minibatch is exactly 0 its backward pass and update are \
            skipped, which is most of them after a few epochs) and with mse (every minibatch runs \
            forward and backward). Rates are against the core's own peak on a large product, measured \
            in the same run. The analyses are timed on the cce network: the config's defaults and the \
            Fig 2 sweep's set. --generic-core reruns the network in child processes with OpenBLAS \
            forced to a generic core, as on a CPU OpenBLAS does not recognise, with and without \
            sweep-mpi's kernel selection. --baseline times an earlier sweep-mpi's training of the same \
            network against this one's (both as child processes, `train -`).
            """)

    @Option(help: "Epochs to train.") var epochs = 40
    @Option(help: "g_radius of the network.") var gRadius = 20.0
    @Option(help: "Seed.") var seed = 0
    @Option(help: ArgumentHelp("OpenBLAS core for the kernel-trap comparison, or none to skip it.", valueName: "core"))
    var genericCore = "Prescott"
    @Option(help: ArgumentHelp("An earlier sweep-mpi binary to compare the training speed with.", valueName: "path"))
    var baseline: String?
    @Option(help: "Runs per timing; the least CPU time is reported.") var repeats = 3
    @Flag(help: .hidden) var childSummary = false

    func validate() throws {
        guard epochs >= 1 else { throw ValidationError("--epochs must be >= 1 (got \(epochs))") }
        guard repeats >= 1 else { throw ValidationError("--repeats must be >= 1 (got \(repeats))") }
        guard gRadius > 0 else { throw ValidationError("--g-radius must be > 0 (got \(gRadius))") }
    }

    func run() throws {
        BLAS.useSingleThread()
        if childSummary { return try printChildSummary() }
        printNow(openBLASCoreLine())
        printNow("Times are CPU seconds of the working thread (OpenBLAS single-threaded), the least of \(repeats) runs.")

        let cce = try config(loss: "cce", analyses: [])
        let peak = ProductShape.peak.measuredRate()
        printNow()
        printNow("Matrix products, Float32, single thread".padding(toLength: 58, withPad: " ", startingAt: 0) + "GFLOP/s  % of peak")
        printRate(ProductShape.peak, rate: peak, peak: peak)
        var rates: [String: Double] = [:]
        let products = cce.minibatchProducts
        for (shape, _) in products.forward + products.backward where rates[shape.name] == nil {
            rates[shape.name] = shape.measuredRate()
            printRate(shape, rate: rates[shape.name]!, peak: peak)
        }

        printNow()
        printNow("Fig 2 network (N \(cce.N), X_dim \(cce.X_dim), \(cce.sequenceLength) steps, batch \(cce.batch_size)), g_radius \(gRadius), \(epochs) epochs")
        var cceTraining = 0.0
        for loss in ["cce", "mse"] {
            let config = try self.config(loss: loss, analyses: [])
            let (seconds, result) = try trainingSeconds(loss: loss)
            if loss == "cce" { cceTraining = seconds }
            let updates = result.metrics["optimizer_steps"]![0], skipped = result.metrics["skipped_steps"]![0]
            let work = config.countedWork(updates: updates, skipped: skipped)
            let productSeconds = config.productSeconds(updates: updates, skipped: skipped, rates: rates)
            printNow(String(format: "  %@: %.4f s/epoch, %.1f GFLOP/s = %.0f %% of peak; %d updates, %d zero-loss minibatches without backward pass",
                         loss, seconds / Double(epochs), work / seconds / 1e9, 100 * work / seconds / 1e9 / peak, Int(updates), Int(skipped)))
            printNow(String(format: "       the matrix products alone, at the rates above: %.4f s/epoch (%.0f %% of the time)",
                         productSeconds / Double(epochs), 100 * productSeconds / seconds))
        }

        printNow()
        printNow("Analyses of the cce network, against its training (%.2f s):".replacingOccurrences(of: "%.2f", with: String(format: "%.2f", cceTraining)))
        let fig2Set: [String] = ["dim_layers", "dim_through_training", "clust_holdout", "acc_over_training", "lyapunov", "pca", "saturation"]
        let trainingOnly = try measureExperiment(config(loss: "cce", analyses: []), repeats: repeats).seconds
        for (label, analyses, lyapunovEpochs) in [("the config's defaults", nil as [String]?, nil as [Int]?),
                                                   ("the Fig 2 sweep's (all seven, Lyapunov at epochs 0,1,5,10,final)", fig2Set, [0, 1, 5, 10, -1])] {
            var values: [(String, JSONValue)] = []
            if let analyses { values.append(("analyses", .array(analyses.map { .string($0) }))) }
            if let lyapunovEpochs { values.append(("lyap_epochs", .array(lyapunovEpochs.map { .number(Double($0)) }))) }
            let withAnalyses = try measureExperiment(config(loss: "cce", extra: values), repeats: repeats).seconds
            let analysesSeconds = withAnalyses - trainingOnly
            printNow(String(format: "  %@: %.2f s = %.2f x the training", label, analysesSeconds, analysesSeconds / cceTraining))
        }

        if genericCore.lowercased() != "none" { try compareGenericCore() }
        if let baseline { try compareBaseline(baseline) }
        printNow()
        printNow(String(format: "peak resident memory of this process: %.1f MB", Self.peakMemoryMB()))
    }

    // MARK: - The pieces

    func config(loss: String, analyses: [String]? = nil, extra: [(String, JSONValue)] = [], epochs: Int? = nil) throws -> FarrellConfig {
        var values: [(String, JSONValue)] = [("num_epochs", .number(Double(epochs ?? self.epochs))), ("g_radius", .number(gRadius)),
                                             ("seed", .number(Double(seed))), ("loss", .string(loss))]
        if let analyses { values.append(("analyses", .array(analyses.map { .string($0) }))) }
        return try FarrellConfig(JSONObject(values + extra))
    }

    /// CPU seconds of the training alone, without analyses: the run minus a run of 0 epochs (set-up and data).
    func trainingSeconds(loss: String) throws -> (Double, ExperimentResult) {
        let setUp = try measureExperiment(config(loss: loss, analyses: [], epochs: 0), repeats: repeats).seconds
        let (seconds, result) = try measureExperiment(config(loss: loss, analyses: []), repeats: repeats)
        return (max(seconds - setUp, 0), result)
    }

    func printRate(_ shape: ProductShape, rate: Double, peak: Double) {
        let label = "  \(shape.name) \(shape.label)".padding(toLength: 58, withPad: " ", startingAt: 0)
        printNow(label + String(format: "%7.1f  %5.0f", rate, 100 * rate / peak))
    }

    /// What a child process reports for the kernel-trap comparison.
    struct ChildSummary: Codable {
        var core: String
        var note: String
        var stepRate: Double
        var cceSecondsPerEpoch: Double
    }

    func printChildSummary() throws {
        let step = try config(loss: "cce").minibatchProducts.forward[0].0
        let (seconds, _) = try trainingSeconds(loss: "cce")
        let summary = ChildSummary(core: KernelSelection.core.name, note: KernelSelection.core.note,
                                   stepRate: step.measuredRate(), cceSecondsPerEpoch: seconds / Double(epochs))
        printNow(String(decoding: try JSONEncoder().encode(summary), as: UTF8.self))
    }

    /// The same measurements in child processes with OpenBLAS forced to a generic core: once as
    /// the user's own setting (kept, as every user setting is), once standing for OpenBLAS's own
    /// pick on a CPU it does not recognise (which sweep-mpi replaces by the core the CPU supports).
    func compareGenericCore() throws {
        printNow()
        printNow("The generic-kernel trap (child processes, OPENBLAS_CORETYPE=\(genericCore)):")
        let arguments = [ChildProcess.currentExecutable, "bench", "train", "--child-summary", "--epochs", String(epochs),
                         "--g-radius", String(gRadius), "--seed", String(seed), "--repeats", String(repeats)]
        var results: [ChildSummary] = []
        for simulated in [false, true] {
            let child = try ChildProcess.run(arguments, environment: ["OPENBLAS_CORETYPE": genericCore,
                                                                      KernelSelection.simulatedPickVariable: simulated ? "1" : nil,
                                                                      KernelSelection.pickedVariable: nil])
            guard child.status == 0, let line = child.output.split(separator: "\n").last,
                  let summary = try? JSONDecoder().decode(ChildSummary.self, from: Data(line.utf8)) else {
                throw CommandFailure(.internalError, "bench: the child process with OPENBLAS_CORETYPE=\(genericCore) failed (exit \(child.status))")
            }
            results.append(summary)
            let label = simulated ? "  as OpenBLAS's own pick, which sweep-mpi replaces" : "  as the user's setting, which sweep-mpi keeps"
            printNow(String(format: "%@: core %@, step %.1f GFLOP/s, cce %.4f s/epoch", label, summary.core, summary.stepRate, summary.cceSecondsPerEpoch))
        }
        printNow(String(format: "  kernel selection: %.1fx faster training, %.1fx faster recurrent step",
                     results[0].cceSecondsPerEpoch / results[1].cceSecondsPerEpoch, results[1].stepRate / results[0].stepRate))
    }

    /// Training CPU seconds per epoch of the cce network with `binary train -` (this build and the
    /// baseline, alternately, the best of three each): the run minus a 0-epoch run.
    func compareBaseline(_ path: String) throws {
        guard FileManager.default.isExecutableFile(atPath: path) else {
            throw CommandFailure(.inputUnreadable, "--baseline \(path) is not an executable file")
        }
        printNow()
        printNow("Against \(path) (child processes, `train -`, cce, best of 3):")
        func configText(epochs: Int) -> String {
            "{\"num_epochs\": \(epochs), \"g_radius\": \(gRadius), \"seed\": \(seed), \"loss\": \"cce\", \"analyses\": []}"
        }
        func secondsPerEpoch(_ binary: String) throws -> Double {
            var best = Double.infinity
            for _ in 0..<3 {
                let trained = try ChildProcess.run([binary, "train", "-"], input: configText(epochs: epochs))
                let untrained = try ChildProcess.run([binary, "train", "-"], input: configText(epochs: 0))
                guard trained.status == 0, untrained.status == 0 else {
                    throw CommandFailure(.internalError, "bench: \(binary) train - failed (exit \(max(trained.status, untrained.status)))")
                }
                best = min(best, (trained.cpuSeconds - untrained.cpuSeconds) / Double(epochs))
            }
            return best
        }
        let old = try secondsPerEpoch(path), new = try secondsPerEpoch(ChildProcess.currentExecutable)
        printNow(String(format: "  baseline %.4f s/epoch, this build %.4f s/epoch: %.2fx faster", old, new, old / new))
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

extension FarrellConfig {
    /// FLOPs of training with these counts of stepped and skipped minibatches, validation included.
    func countedWork(updates: Double, skipped: Double) -> Double {
        let forward = forwardFLOPs(batch: batch_size), backward = backwardFLOPs(batch: batch_size)
        return (updates + skipped) * forward + updates * backward + Double(num_epochs * validationBatchesPerEpoch) * forward
    }

    /// Seconds the matrix products of that training take at the measured rates (GFLOP/s by shape name).
    func productSeconds(updates: Double, skipped: Double, rates: [String: Double]) -> Double {
        let products = minibatchProducts
        func seconds(_ list: [(ProductShape, count: Int)]) -> Double {
            list.reduce(0) { $0 + Double($1.count) * $1.0.flops / (rates[$1.0.name]! * 1e9) }
        }
        let forwardPasses = updates + skipped + Double(num_epochs * validationBatchesPerEpoch)
        return forwardPasses * seconds(products.forward) + updates * seconds(products.backward)
    }
}
