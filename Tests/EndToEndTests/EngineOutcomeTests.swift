import Foundation
import Testing
import Sweep

/// Results of real Engine trials: the same on any number of ranks, and diverging networks
/// recorded as results rather than errors.
extension EndToEnd {
    @Suite struct EngineOutcomes {
        @Test func oneTwoAndThreeRanksWriteBitIdenticalMetrics() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("ranks.json", EngineSweep.text("ranks", """
                {"cases": [{"g_radius": 20}, {"g_radius": 250, "loss": "mse", "learning_rate": 0.005},
                           {"X_dim": 2, "hid_nonlin": "relu", "optimizer": "adam"}, \(EngineSweep.diverging)],
                 "seeds": 4}
                """))
            var files: [String] = []
            for ranks in [1, 2, 3] {
                let output = workspace.file("ranks\(ranks).h5")
                let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"], program: Harness.sweepMPI)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("16 trials finished: 12 done, 0 failed, 4 diverged"), "\(result.output)")
                try ResultsChecks.openWithExternalTools(output)
                files.append(output)
            }
            // Every dataset under /metrics is a result (the timings are under /timings).
            func computed(_ path: String) throws -> [String: [UInt64]] {
                try ResultsChecks.metricBytes(path)
            }
            let reference = try computed(files[0])
            #expect(reference.keys.contains("dim_layers") && reference.keys.contains("epoch_stats"))
            let referenceReader = try ResultsReader(path: files[0])
            let referenceErrors = try referenceReader.errors(), referenceStatuses = try referenceReader.statuses()
            #expect(referenceReader.timingNames == ["init_seconds", "train_seconds", "analysis_seconds"])
            #expect(referenceReader.metrics.allSatisfy { !$0.name.hasPrefix("time") })
            let trainSeconds = try referenceReader.timingValues("train_seconds")
            for (seconds, status) in zip(trainSeconds, referenceStatuses) where status == .done {
                #expect(seconds.isFinite && seconds > 0)
            }
            referenceReader.close()
            for file in files.dropFirst() {
                #expect(try computed(file) == reference, "\(file) differs from the 1-rank run")
                let reader = try ResultsReader(path: file)
                #expect(try reader.statuses() == referenceStatuses)
                #expect(try reader.errors() == referenceErrors, "divergence messages differ")
                reader.close()
            }
            // The 3-rank run really spread the trials over its ranks.
            let reader = try ResultsReader(path: files[2])
            #expect(Set(try reader.ranks()).count > 1)
            reader.close()
        }

        /// Three seeds of two healthy cases and three of a network whose loss overflows.
        static let sweepText = EngineSweep.text("diverge", #"{"cases": [{"g_radius": 20}, {"g_radius": 250}, \#(EngineSweep.diverging)], "seeds": 3}"#)

        @Test func divergingTrialsAreRecordedCountedByStatsAndRerunIdentically() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("diverge.json", Self.sweepText)
            let output = workspace.file("diverge.h5")
            let arguments = [sweep, "--output", output, "--progress", "none"]
            let result = try Harness.run(ranks: 2, arguments, program: Harness.sweepMPI)
            #expect(result.status == 0, "\(result.output)")
            #expect(result.output.contains("9 trials finished: 6 done, 0 failed, 3 diverged"), "\(result.output)")
            try ResultsChecks.openWithExternalTools(output)

            let reader = try ResultsReader(path: output)
            #expect(try reader.statuses() == Array(repeating: .done, count: 6) + Array(repeating: .diverged, count: 3))
            let errors = try reader.errors()
            let divergedEpochs = try reader.metricValues("diverged_epoch")
            let losses = try reader.metricValues("loss_over_training")
            let checkpoints = reader.metrics.first { $0.name == "loss_over_training" }!.elementCount
            reader.close()
            #expect(errors[0..<6].allSatisfy(\.isEmpty) && divergedEpochs[0..<6].allSatisfy(\.isNaN))
            for row in 6..<9 {
                // "training loss became inf at epoch 1, minibatch 1": the epoch in /trials/error
                // agrees with /metrics/diverged_epoch (epoch + fraction of the epoch).
                let epoch = try #require(Self.epoch(inMessage: errors[row]), "row \(row): \(errors[row])")
                #expect(errors[row].hasPrefix("training loss became "), "\(errors[row])")
                #expect(divergedEpochs[row].isFinite && Int(divergedEpochs[row]) == epoch, "row \(row): \(divergedEpochs[row])")
                // Whatever it computed before the overflow is kept: the untrained network's loss.
                #expect(losses[row * checkpoints].isFinite && losses[row * checkpoints + checkpoints - 1].isNaN)
            }

            // `status` lists them; `stats` leaves them out of the statistics and counts them.
            let status = try ResultsChecks.command([Harness.sweepMPI, "status", output])
            #expect(status.status == 0, "\(status.output)")
            #expect(status.output.contains("6 done, 0 pending, 0 failed, 3 diverged"), "\(status.output)")
            for row in 6..<9 { #expect(status.output.contains("row \(row) diverged ["), "\(status.output)") }
            #expect(status.output.contains(errors[6]), "\(status.output)")
            let stats = try ResultsChecks.command([Harness.sweepMPI, "stats", output, "--metric", "dim_layers",
                                                   "--by", "hid_nonlin", "--format", "json"])
            #expect(stats.status == 0, "\(stats.output)")
            let rows = try #require(try JSONSerialization.jsonObject(with: Data(stats.output.utf8)) as? [[String: Any]], "\(stats.output)")
            #expect(!rows.isEmpty)
            for row in rows {
                let diverging = row["hid_nonlin"] as? String == "relu"
                #expect(row["n"] as? Int == (diverging ? 0 : 6), "\(row)")
                #expect(row["n_diverged"] as? Int == (diverging ? 3 : 0), "\(row)")
                #expect(row["n_failed"] as? Int == 0 && row["n_pending"] as? Int == 0, "\(row)")
            }

            // A plain rerun has nothing to do; --rerun-failed runs the diverged trials again and
            // they diverge again, at the same point, with the same curves.
            let before = try ResultsChecks.computedBytesById(output)
            let again = try Harness.run(ranks: 2, arguments, program: Harness.sweepMPI)
            #expect(again.status == 0 && again.output.contains("9 trials, 0 to run"), "\(again.output)")
            let rerun = try Harness.run(ranks: 2, arguments + ["--rerun-failed"], program: Harness.sweepMPI)
            #expect(rerun.status == 0, "\(rerun.output)")
            #expect(rerun.output.contains("9 trials, 3 to run"), "\(rerun.output)")
            #expect(rerun.output.contains("0 failed, 3 diverged"), "\(rerun.output)")
            #expect(try ResultsChecks.computedBytesById(output) == before)
            let rereader = try ResultsReader(path: output)
            #expect(try rereader.errors() == errors)
            #expect(try rereader.statuses() == Array(repeating: .done, count: 6) + Array(repeating: .diverged, count: 3))
            rereader.close()
        }

        /// The epoch number in "... at epoch 3, minibatch 1".
        static func epoch(inMessage message: String) -> Int? {
            guard let range = message.range(of: #"at epoch [0-9]+"#, options: .regularExpression) else { return nil }
            return Int(message[range].dropFirst("at epoch ".count))
        }
    }
}
