import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench timescales`: CPU seconds per training step of the timescales network and the
/// fraction of the core's peak it reaches (scripts/timescales/speed.py runs the
/// reference's PyTorch step in the same run and prints the ratio).
struct BenchTimescales: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timescales",
        abstract: "Time the timescales family's training step (H 500, B 256, M 50 by default).",
        discussion: """
            One training step is the forward pass over M steps of B sequences, the heads' loss, the \
            backward pass, clipping and the SGD update: three H x H products per time step. Rates are \
            against the core's own peak on a large product and single-thread sgemm at the shape of one \
            recurrent step, measured in the same run; times are CPU seconds of the working thread.
            """)

    @Option(help: "Hidden units H.") var hidden = 500
    @Option(help: "Sequences per minibatch B.") var batch = 256
    @Option(help: "Sequence length M.") var length = 50
    @Option(help: "Timed steps (after one warm-up step).") var steps = 10
    @Option(help: "Update rule: default or mod.") var model = "default"
    @Option(help: "Readout heads in play.") var heads = 1

    func run() throws {
        BLAS.useSingleThread()
        let step = ProductShape(name: "recurrent step", m: batch, n: hidden, k: hidden)
        let sgemm = step.measuredRate(), large = ProductShape.peak.measuredRate()
        let nMax = max((length + 2) / 4, heads + 1)
        let values = JSONObject([("hidden_size", .number(Double(hidden))), ("batch_size", .number(Double(batch))),
                                 ("model", .string(model)), ("n_max", .number(Double(nMax))),
                                 ("readout_heads", .number(Double(max(heads, nMax)))), ("analyses", .array([]))])
        let config: TimescalesConfig
        do { config = try TimescalesFamily().configuration(values).0 } catch {
            throw CommandFailure(.badInput, "\(error)")
        }
        let seconds = TimescalesBenchmark.trainingStepSeconds(config, ns: Array(2..<(2 + heads)), length: length, steps: steps,
                                                              clock: { ThreadCPUClock.seconds })
        let median = seconds.sorted()[seconds.count / 2]
        let gflops = TimescalesBenchmark.trainingStepFLOPs(config, length: length) / median / 1e9
        print("OpenBLAS: \(BLAS.configuration)")
        print(openBLASCoreLine())
        print(String(format: "single-thread sgemm %@: %.1f GFLOP/s (the core's peak on a large product)", ProductShape.peak.label, large))
        print(String(format: "single-thread sgemm %dx%dx%d: %.1f GFLOP/s (one recurrent step)", batch, hidden, hidden, sgemm))
        print(String(format: "training step (H %d, B %d, M %d, model %@, %d head%@): median %.4f CPU s over %d steps, min %.4f CPU s",
                     hidden, batch, length, model, heads, heads == 1 ? "" : "s", median, steps, seconds.min()!))
        print(String(format: "  %.1f GFLOP/s = %.0f %% of the step-shaped sgemm rate, %.0f %% of the core's peak",
                     gflops, 100 * gflops / sgemm, 100 * gflops / large))
        print(String(format: "gflops %.3f large_product_gflops %.3f", gflops, large))
        print(String(format: "seconds_per_step %.6f", median))
    }
}
