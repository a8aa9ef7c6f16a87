import Foundation
import Testing
import Sweep

/// The latent_dynamics family through the real binaries: its quick sweep under mpirun on 1 and 2
/// ranks, and its differential trace (`sweep-mpi train --trace-out`).
extension EndToEnd {
    @Suite struct LatentDynamicsSweep {
        /// sweeps/latent_quick.json with fewer trials per data set and epochs, so that the debug
        /// build runs it in seconds: same models, latent sizes, seeds and curriculum.
        static func quickSweep(in workspace: Workspace) throws -> String {
            let text = try String(contentsOf: SweepFiles.repositoryRoot.appendingPathComponent("sweeps/latent_quick.json"), encoding: .utf8)
            guard case .object(var sweep)? = try? JSONParser.parse(text), case .object(var base)? = sweep["base"] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            base["max_epochs"] = .number(2)
            base["n_samples"] = .number(60)
            base["batch_size"] = .number(20)
            sweep["base"] = .object(base)
            return try workspace.write("latent_quick.json", sweep.compactText)
        }

        @Test func theQuickSweepIsBitIdenticalOnOneAndTwoRanks() throws {
            let workspace = Workspace()
            let sweep = try Self.quickSweep(in: workspace)
            var files: [String] = []
            for ranks in [1, 2] {
                let output = workspace.file("quick\(ranks).h5")
                let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"], timeout: 240,
                                             program: Harness.sweepMPI)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("8 trials finished: 8 done, 0 failed, 0 diverged"), "\(result.output)")
                files.append(output)
            }
            let one = try ResultsChecks.metricBytesById(files[0]), two = try ResultsChecks.metricBytesById(files[1])
            #expect(!one.isEmpty && one.keys.contains { $0.hasSuffix("/r2_latent") })
            #expect(one == two, "the metrics differ between 1 and 2 ranks")
            let reader = try ResultsReader(path: files[1])
            #expect(reader.timingNames == ["data_seconds", "train_seconds", "metric_seconds"])
            #expect(Set(try reader.ranks()).count == 2, "the 2-rank run used one rank only")
            let latent = try reader.metricValues("r2_latent_median")
            reader.close()
            #expect(latent.allSatisfy { $0.isFinite && $0 >= -10 && $0 <= 1 })
        }

        @Test func theDifferentialTraceWritesTheFirstStepsAndRefusesWhatItCannotTrace() throws {
            let workspace = Workspace()
            let parameters = #""family": "latent_dynamics", "model": "node", "n_samples": 20, "n_timesteps": 8, "latent_size": 2, "batch_size": 6, "max_epochs": 2, "pts_per_period": 6"#
            let config = try workspace.write("config.json", "{\(parameters), \"trace\": {\"steps\": 3}}")
            let folder = workspace.file("trace")
            let (status, output) = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-out", folder])
            #expect(status == 0, "\(output)")
            // The readout's gradient of the third step, [n, L] = [10, 2] in Float32.
            let data = try #require(FileManager.default.contents(atPath: folder + "/step_2/grads/readout.weight.npy"))
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
            #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (10, 2)"), "\(header)")
            #expect(data.count == 10 + headerLength + 10 * 2 * 4)
            let manifest = try #require(FileManager.default.contents(atPath: folder + "/trace.json"))
            #expect(String(decoding: manifest, as: UTF8.self).contains("\"latent_dynamics\""))
            for name in ["data/spikes", "data/latents", "init/readout.weight", "valid_init/r2_latent", "step_0/final_mask", "step_2/params/readout.bias", "valid_final/loss"] {
                #expect(FileManager.default.fileExists(atPath: folder + "/\(name).npy"), "\(name)")
            }
            #expect(!FileManager.default.fileExists(atPath: folder + "/step_3/loss.npy"))

            let withInput = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-out", workspace.file("again"), "--trace-in", folder])
            #expect(withInput.status == 65 && withInput.output.contains("takes no trace input"), "\(withInput.output)")
            let badSettings = try workspace.write("bad-settings.json", "{\(parameters), \"trace\": {\"steps\": -1}}")
            let refused = try ResultsChecks.command([Harness.sweepMPI, "train", badSettings, "--trace-out", workspace.file("other")])
            #expect(refused.status == 65 && refused.output.contains("steps"), "\(refused.output)")
            let bad = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-out", workspace.file("x"), "--set", "latent_size=0"])
            #expect(bad.status == 65 && bad.output.contains("latent_size"), "\(bad.output)")
        }
    }
}
