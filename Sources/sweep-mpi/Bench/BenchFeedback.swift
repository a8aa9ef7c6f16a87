import ArgumentParser
import Engine
import Foundation

/// `sweep-mpi bench feedback`: seconds per training batch of the feedback_modulation family.
struct BenchFeedback: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "feedback",
        abstract: "Train feedback_modulation batches and report seconds per batch and GFLOP/s.",
        discussion: """
            Trains the given batches of one trial (the family's defaults: 32 contexts of 1000 steps, \
            a 100-unit LSTM controller) after one warm-up batch, and prints the seconds per batch by \
            phase, the GFLOP/s of the cost model's count and the single-thread sgemm GFLOP/s at the \
            shape of one LSTM step, measured in the same run. With --reference-seconds (the reference's \
            seconds per batch, as scripts/feedback_modulation/speed.py measures them), prints the ratio.
            """)

    @Option(help: "Batches to time.") var batches = 5
    @Option(help: "Model: modulation, spatial or dale.") var model = "modulation"
    @Option(help: "Extra parameters as JSON (e.g. '{\"n_hid\": 50}').") var set = "{}"
    @Option(help: "The reference's seconds per batch, measured in the same run.") var referenceSeconds: Double?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        BLAS.useSingleThread()
        guard case .object(var values)? = try? JSONParser.parse(set) else {
            throw ValidationError("--set must be a JSON object")
        }
        values["model"] = .string(model)
        let config: FeedbackConfig
        do { config = try FeedbackConfig(values) } catch { throw ValidationError("\(error)") }
        let h = config.n_hid, b = config.batch_size, k = config.input_to_net.size + h
        let sgemm = ProductShape(name: "LSTM step [x | h] Wᵀ", m: b, n: 4 * h, k: k, transposeB: true).measuredRate()
        let timing = FeedbackBenchmark.measure(config, batches: batches)
        let gflops = timing.flopsPerBatch / timing.total / 1e9
        if json {
            var object: [(String, JSONValue)] = [
                ("model", .string(model)), ("batches", .number(Double(batches))), ("seconds_per_batch", .number(timing.total)), ("cpu_seconds_per_batch", .number(timing.cpu)),
                ("data", .number(timing.data)), ("forward", .number(timing.forward)), ("backward", .number(timing.backward)),
                ("update", .number(timing.update)), ("gflops", .number(gflops)), ("sgemm_gflops", .number(sgemm)),
                ("openblas_core", .string(KernelSelection.core.name))]
            if let referenceSeconds { object.append(("speedup", .number(referenceSeconds / timing.total))) }
            print(JSONValue.object(JSONObject(object)).compactText)
            return
        }
        print("OpenBLAS core \(KernelSelection.core.name) (\(KernelSelection.core.note))")
        print(String(format: "single-thread sgemm %dx%dx%d: %.1f GFLOP/s (the shape of one LSTM step)", b, 4 * h, k, sgemm))
        print(String(format: "feedback_modulation %@, %d batches of %d x %d steps: %.3f s per batch (data %.3f, forward %.3f, backward %.3f, update %.3f)",
                     model, batches, b, config.n_sample, timing.total, timing.data, timing.forward, timing.backward, timing.update))
        print(String(format: "  %.3f CPU s per batch (this thread)", timing.cpu))
        print(String(format: "  %.2f GFLOP per batch, %.1f GFLOP/s = %.0f %% of the sgemm bound",
                     timing.flopsPerBatch / 1e9, gflops, 100 * gflops / sgemm))
        if let referenceSeconds {
            print(String(format: "  the reference: %.3f s per batch: %.1fx faster", referenceSeconds, referenceSeconds / timing.total))
        }
    }
}
