import Foundation
import Testing
import Sweep

extension EndToEnd {
    /// `sweep-mpi train`: one network, its resolved parameters and every result as JSON.
    @Suite struct TrainCommand {
        static let tiny = """
            {"N": 8, "X_dim": 4, "X_clusters": 4, "n_lag": 3, "num_epochs": 2, "num_train_samples_per_epoch": 40,
             "analyses": ["dim_layers", "acc_over_training"], "dim_samples": 40, "acc_samples": 40, "dim_time_steps": 4}
            """

        @Test func printsResolvedParametersAndEveryResultWithItsShape() throws {
            let workspace = Workspace()
            let config = workspace.file("net.json")
            try Self.tiny.write(toFile: config, atomically: true, encoding: .utf8)
            let (status, output) = try ResultsChecks.command([Harness.sweepMPI, "train", config])
            #expect(status == 0, "\(output)")
            guard case .object(let result)? = try? JSONParser.parse(output) else {
                Issue.record("train did not print one JSON object: \(output)")
                return
            }
            guard case .object(let parameters)? = result["parameters"], case .object(let metrics)? = result["metrics"] else {
                Issue.record("missing parameters or metrics: \(output)")
                return
            }
            #expect(parameters["N"] == .number(8) && parameters["loss"] == .string("cce") && parameters["seed"] == .number(0))
            #expect(result["divergence"] == .null)
            // dim_layers [2 (untrained, trained), 5 layers]; acc_over_training [3 checkpoints].
            guard case .array(let states)? = metrics["dim_layers"], case .array(let accuracy)? = metrics["acc_over_training"] else {
                Issue.record("missing metrics: \(output)")
                return
            }
            #expect(states.count == 2 && states.allSatisfy { if case .array(let layers) = $0 { layers.count == 5 } else { false } })
            #expect(accuracy.count == 3)
            #expect(result["id"] == .string(TrialIdentity.id(of: parameters)))
            // --resolve-only prints the same identity and parameters and trains nothing.
            let (resolveStatus, resolved) = try ResultsChecks.command([Harness.sweepMPI, "train", "--resolve-only", config])
            #expect(resolveStatus == 0)
            #expect(try JSONParser.parse(resolved) == .object(JSONObject([("id", result["id"]!), ("parameters", .object(parameters))])))
        }

        @Test func aBadConfigNamesTheKeyAndExitsWith65() throws {
            let workspace = Workspace()
            let config = workspace.file("bad.json")
            try "{\"N\": 8, \"learnig_rate\": 0.1}".write(toFile: config, atomically: true, encoding: .utf8)
            let (status, output) = try ResultsChecks.command([Harness.sweepMPI, "train", config])
            #expect(status == 65)
            #expect(output.contains("learnig_rate") && output.contains("did you mean \"learning_rate\""), "\(output)")
            let (missingStatus, missing) = try ResultsChecks.command([Harness.sweepMPI, "train", workspace.file("none.json")])
            #expect(missingStatus == 66 && missing.contains("does not exist"), "\(missing)")
        }
    }
}
