import Foundation
import Testing
import Sweep

/// The latent_dynamics family through the real binaries: its quick sweep under mpirun on 1 and 2
/// ranks, and `sweep-mpi trace`.
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

        @Test func traceWritesNumpyFilesAndRefusesWhatItCannotTrace() throws {
            let workspace = Workspace()
            let config = try workspace.write("config.json", """
                {"family": "latent_dynamics", "model": "node", "n_samples": 20, "n_timesteps": 8, "latent_size": 2,
                 "batch_size": 6, "max_epochs": 2, "pts_per_period": 6}
                """)
            let folder = workspace.file("trace")
            let (status, output) = try ResultsChecks.command([Harness.sweepMPI, "trace", config, "--out", folder, "--steps", "3"])
            #expect(status == 0, "\(output)")
            // numpy format 1.0: magic, version, header length, a dict ending in a newline at a multiple of 64 bytes.
            let data = try #require(FileManager.default.contents(atPath: folder + "/step_2/grads/readout.weight.npy"))
            #expect(Array(data.prefix(8)) == [0x93] + Array("NUMPY".utf8) + [1, 0])
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            let header = String(decoding: data[10..<(10 + headerLength)], as: UTF8.self)
            #expect((10 + headerLength) % 64 == 0 && header.hasSuffix("\n"))
            #expect(header.contains("'descr': '<f4'") && header.contains("'shape': (10, 2)"), "\(header)")
            #expect(data.count == 10 + headerLength + 10 * 2 * 4)
            let manifest = try #require(FileManager.default.contents(atPath: folder + "/trace.json"))
            #expect(String(decoding: manifest, as: UTF8.self).contains("\"latent_dynamics\""))
            #expect(FileManager.default.fileExists(atPath: folder + "/data/spikes.npy"))
            #expect(!FileManager.default.fileExists(atPath: folder + "/step_3/loss.npy"))

            let again = try ResultsChecks.command([Harness.sweepMPI, "trace", config, "--out", folder])
            #expect(again.status == 65 && again.output.contains("already holds a trace"), "\(again.output)")
            let farrell = try workspace.write("farrell.json", #"{"N": 8, "num_epochs": 0}"#)
            let refused = try ResultsChecks.command([Harness.sweepMPI, "trace", farrell, "--out", workspace.file("other")])
            #expect(refused.status == 65 && refused.output.contains("records no differential trace"), "\(refused.output)")
            let bad = try ResultsChecks.command([Harness.sweepMPI, "trace", config, "--out", workspace.file("x"), "--set", "latent_size=0"])
            #expect(bad.status == 65 && bad.output.contains("latent_size"), "\(bad.output)")
        }
    }
}
