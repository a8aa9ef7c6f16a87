import Foundation
import Testing
import Sweep

/// The flossing family through the real `sweep-mpi` under mpirun: its quick sweep gives
/// bit-identical metrics on one and on two ranks.
extension EndToEnd {
    @Suite struct FlossingSweep {
        /// sweeps/flossing_quick.json with its arms, delays and seeds, its base made small enough for
        /// a debug build: 12 units (so k = 12), 30 epochs of 70 steps, 8 preflossing updates,
        /// interflossing every 10 epochs with 5 updates.
        static func shortenedQuickSweep(in workspace: Workspace) throws -> String {
            let text = try String(contentsOfFile: SweepFiles.sweepFile("flossing_quick"), encoding: .utf8)
            guard case .object(var sweep) = try JSONParser.parse(text), case .object(var base)? = sweep["base"] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            for (key, value) in [("N", 12), ("E", 30), ("T", 70), ("Ep", 8), ("Ef", 10), ("Ei", 5), ("spectrum_steps", 40), ("test_samples", 16)] {
                base[key] = .number(Double(value))
            }
            sweep["base"] = .object(base)
            return try workspace.write("flossing_quick.json", sweep.compactText)
        }

        @Test func quickSweepIsBitIdenticalOnOneAndTwoRanks() throws {
            let workspace = Workspace()
            let sweep = try Self.shortenedQuickSweep(in: workspace)
            var files: [String] = []
            for ranks in [1, 2] {
                let output = workspace.file("quick\(ranks).h5")
                let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"],
                                             timeout: 240, program: Harness.sweepMPI)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("12 trials finished: 12 done, 0 failed, 0 diverged"), "\(result.output)")
                files.append(output)
            }
            let one = try ResultsChecks.metricBytesById(files[0]), two = try ResultsChecks.metricBytesById(files[1])
            #expect(!one.isEmpty && one == two, "the 2-rank metrics differ from the 1-rank metrics")
            let reader = try ResultsReader(path: files[1])
            defer { reader.close() }
            #expect(Set(try reader.ranks()).count == 2, "both ranks trained")
            #expect(reader.timingNames == ["init_seconds", "train_seconds", "flossing_seconds", "analysis_seconds"])
            let names = Set(reader.metrics.map(\.name))
            #expect(names.isSuperset(of: ["train_accuracy", "spectrum_initial", "spectrum_after_flossing", "test_accuracy", "flossing_loss"]))
            // Every trial has a finite test accuracy and an initial spectrum; the flossed arms flossed.
            let accuracy = try reader.metricValues("test_accuracy")
            #expect(accuracy.count == 12 && accuracy.allSatisfy { $0.isFinite && $0 >= 0 && $0 <= 1 })
            let preflossing = try reader.parameters().map { $0["Ep"] }
            let losses = try reader.metricValues("flossing_loss")
            let perTrial = losses.count / 12
            for (row, ep) in preflossing.enumerated() {
                let first = losses[row * perTrial]
                #expect(ep == .number(0) ? first.isNaN : first.isFinite, "row \(row): Ep \(String(describing: ep)), first flossing loss \(first)")
            }
        }
    }
}
