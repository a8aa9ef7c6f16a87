import Foundation
import Testing
import Sweep

extension EndToEnd {
    /// The feedback_modulation family through the real sweep-mpi under mpirun: its quick sweep
    /// file gives bit-identical metrics on 1 and 2 ranks, with every metric of both networks.
    @Suite struct FeedbackSweep {
        static let sweepFile = FamilyCommands.root.appendingPathComponent("sweeps/feedback_modulation_quick.json").path

        @Test func theQuickSweepIsBitIdenticalOnOneAndTwoRanks() throws {
            let workspace = Workspace()
            var files: [String] = []
            for ranks in [1, 2] {
                let output = workspace.file("quick\(ranks).h5")
                let run = try Harness.run(ranks: ranks, [Self.sweepFile, "--output", output, "--progress", "none"], program: Harness.sweepMPI)
                #expect(run.status == 0, "\(run.output)")
                #expect(run.output.contains("4 trials finished: 4 done, 0 failed, 0 diverged"), "\(run.output)")
                files.append(output)
            }
            try ResultsChecks.openWithExternalTools(files[1])
            let one = try ResultsChecks.metricBytesById(files[0]), two = try ResultsChecks.metricBytesById(files[1])
            #expect(one == two, "the 2-rank metrics differ from the 1-rank ones")
            let names = Set(one.keys.map { String($0.split(separator: "/")[1]) })
            #expect(names == ["loss", "clarity", "decoding_r2", "correlation_x", "correlation_y", "correlation_z", "trajectory",
                              "diverged_batch", "readout_error", "freeze_angles", "freeze_subspace"])
            // Every trial trained and was tested: finite losses and output clarities.
            let reader = try ResultsReader(path: files[1])
            defer { reader.close() }
            #expect(try reader.statuses().allSatisfy { $0 == .done })
            #expect(try reader.metricValues("loss").allSatisfy(\.isFinite))
            let clarity = try reader.metricValues("clarity")            // [4, 3, 4]: y is population 2
            for trial in 0..<4 {
                let output = clarity[((trial * 3 + 2) * 4)..<((trial * 3 + 3) * 4)]
                #expect(output.allSatisfy { $0.isFinite })
            }
        }
    }
}
