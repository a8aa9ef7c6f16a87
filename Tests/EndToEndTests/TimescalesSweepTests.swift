import Engine
import Foundation
import Testing
import Sweep

/// The timescales family through the real `sweep-mpi` under mpirun: its quick sweep gives the
/// same /metrics on one and two ranks, and a trial killed mid-way resumes from its checkpoint
/// (not from epoch 0) with /metrics bit-identical to an uninterrupted run.
extension EndToEnd {
    @Suite struct TimescalesSweeps {
        /// sweeps/timescales_quick.json with its base shrunk (debug builds run the tests) and
        /// `base` merged over it (a curriculum there replaces the file's grid of curricula).
        static func quickSweep(_ workspace: Workspace, name: String, base extra: [String: JSONValue] = [:]) throws -> String {
            let text = try String(contentsOfFile: SweepFiles.sweepFile("timescales_quick"), encoding: .utf8)
            guard case .object(var sweep) = try JSONParser.parse(text), case .object(var base)? = sweep["base"] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            let shrunk: [String: JSONValue] = ["hidden_size": .number(16), "train_steps": .number(100), "n_max": .number(4),
                                               "max_epochs": .number(12), "tau_net_steps": .number(3000), "tau_net_trials": .number(2)]
            for (key, value) in shrunk.merging(extra, uniquingKeysWith: { $1 }).sorted(by: { $0.key < $1.key }) { base[key] = value }
            sweep["base"] = .object(base)
            if extra["curriculum"] != nil { sweep["grid"] = nil }     // one curriculum: the base's
            sweep["output"] = nil
            sweep["name"] = .string(name)
            return try workspace.write(name + ".json", sweep.compactText)
        }

        @Test func quickSweepGivesTheSameMetricsOnOneAndTwoRanks() throws {
            let workspace = Workspace()
            let sweep = try Self.quickSweep(workspace, name: "quick")
            var files: [String] = []
            for ranks in [1, 2] {
                let output = workspace.file("quick\(ranks).h5")
                let result = try Harness.run(ranks: ranks, [sweep, "--output", output, "--progress", "none"],
                                             timeout: 300, program: Harness.sweepMPI)
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("4 trials finished: 4 done, 0 failed, 0 diverged"), "\(result.output)")
                files.append(output)
            }
            let one = try ResultsChecks.metricBytesById(files[0]), two = try ResultsChecks.metricBytesById(files[1])
            #expect(one == two, "two ranks differ from one")
            let metrics = Set(one.keys.map { String($0.split(separator: "/").last!) })
            #expect(metrics.isSuperset(of: ["loss", "accuracy", "milestone_epoch", "tau", "tau_net", "population_ac", "pca_dimension"]))
            // Every trial learned N-parity up to N 2 at least, and the two ranks both trained.
            let reader = try ResultsReader(path: files[1])
            defer { reader.close() }
            #expect(try reader.metricValues("largest_n").allSatisfy { $0 >= 2 })
            #expect(Set(try reader.ranks()).count == 2)
            try ResultsChecks.openWithExternalTools(files[1])
        }

        /// "… resumes from its checkpoint at epoch E, minibatch B …" lines of a run's output.
        static func resumedPositions(_ output: String) -> [(epoch: Int, minibatch: Int)] {
            output.split(separator: "\n").compactMap { line in
                guard let range = line.range(of: #"at epoch [0-9]+, minibatch [0-9]+"#, options: .regularExpression) else { return nil }
                let numbers = line[range].split(whereSeparator: { !$0.isNumber }).compactMap { Int($0) }
                return numbers.count == 2 ? (numbers[0], numbers[1]) : nil
            }
        }

        @Test func aKilledTrialResumesFromItsCheckpointBitIdentically() throws {
            let workspace = Workspace()
            // One trial of several epochs (seconds in a debug build), checkpointing every 0.2 s.
            let sweep = try Self.quickSweep(workspace, name: "long", base: ["curriculum": .string("single"), "n_max": .number(5),
                                                                            "max_epochs": .number(14)])
            let arguments = ["--seeds", "0", "--progress", "none"]
            let reference = workspace.file("reference.h5")
            let uninterrupted = try Harness.run(ranks: 1, [sweep, "--output", reference] + arguments, timeout: 300, program: Harness.sweepMPI)
            #expect(uninterrupted.status == 0, "\(uninterrupted.output)")
            let expected = try ResultsChecks.metricBytesById(reference)
            let epochs = try ResultsReader(path: reference).metricValues("epochs")[0]
            #expect(epochs >= 3, "the trial must last several epochs to be killed mid-way")

            let output = workspace.file("killed.h5")
            let job = try Harness.Job(ranks: 2, arguments: [sweep, "--output", output, "--checkpoint-interval", "0.2"] + arguments,
                                      program: Harness.sweepMPI)
            // Kill once the trial has saved a checkpoint past its second epoch.
            let checkpoints = output + ".checkpoints"
            let deadline = Date().addingTimeInterval(120)
            func savedEpoch() -> Int? {
                guard let name = ((try? FileManager.default.contentsOfDirectory(atPath: checkpoints)) ?? []).first(where: { $0.hasSuffix(".ckpt") }),
                      let data = FileManager.default.contents(atPath: checkpoints + "/" + name) else { return nil }
                // "sweep-mpi checkpoint 1\n<trial id>\n", then the experiment's state.
                let bytes = [UInt8](data)
                let newlines = bytes.indices.filter { bytes[$0] == 10 }
                guard newlines.count >= 2, let state = try? ExperimentState(decoding: Array(bytes[(newlines[1] + 1)...])),
                      let position = try? state.integers("position", count: 2) else { return nil }
                return Int(position[0])
            }
            func saved() -> Bool { savedEpoch() != nil }
            while (savedEpoch() ?? 0) < 2 && Date() < deadline && job.isRunning { Thread.sleep(forTimeInterval: 0.02) }
            #expect(job.isRunning, "the trial finished before the kill: \(job.output)")
            job.killEverything()
            _ = job.finish()
            #expect(saved(), "no checkpoint before the kill")
            #expect(try ResultsChecks.statuses(output) == [.pending])

            let rerun = try Harness.run(ranks: 2, [sweep, "--output", output] + arguments, timeout: 300, program: Harness.sweepMPI)
            #expect(rerun.status == 0, "\(rerun.output)")
            let positions = Self.resumedPositions(rerun.output)
            #expect(positions.count == 1 && positions[0].epoch >= 2, "\(rerun.output)")
            #expect(positions.allSatisfy { Double($0.epoch) < epochs }, "resumed within the training")
            #expect(try ResultsChecks.metricBytesById(output) == expected, "the resumed trial differs from the uninterrupted one")
            #expect(try ResultsChecks.statuses(output) == [.done])
            #expect(!FileManager.default.fileExists(atPath: checkpoints), "a finished trial leaves no checkpoint")
        }

        /// A timescales sweep named "this" with `base` members added.
        static func sweep(_ base: String) -> BadInput.SweepFile {
            .text(#"{"name": "this", "base": {"family": "timescales", "hidden_size": 8, "n_max": 4"#
                  + (base.isEmpty ? "" : ", " + base) + "}}")
        }

        static let badInputs: [BadInput] = [
            BadInput(name: "timescales: fixed_tau below 1", sweep: sweep(#""fixed_tau": 0.5"#), code: BadInput.badInput,
                     mentions: ["base.fixed_tau = 0.5", "must be >= 1"]),
            BadInput(name: "timescales: unknown curriculum on a grid", sweep: .text(#"{"name": "this", "base": {"family": "timescales"}, "grid": {"curriculum": ["single", "multiple"]}}"#),
                     code: BadInput.badInput, mentions: ["curriculum", "\"multiple\"", "unknown name"]),
            BadInput(name: "timescales: n_max below n_min", sweep: sweep(#""n_min": 5"#), code: BadInput.badInput,
                     mentions: ["n_max = 4", "must be >= n_min (5)"]),
            BadInput(name: "timescales: too few heads", sweep: sweep(#""readout_heads": 2"#), code: BadInput.badInput,
                     mentions: ["readout_heads = 2", "needs 3 heads"]),
            BadInput(name: "timescales: sliding window smaller than what it forgets",
                     sweep: sweep(#""curriculum": "sliding", "init_heads": 2, "forget_heads": 3"#), code: BadInput.badInput,
                     mentions: ["forget_heads = 3", "window"]),
            BadInput(name: "timescales: ablation N out of range", sweep: sweep(#""analyses": ["ablation"], "ablation_ns": [9]"#),
                     code: BadInput.badInput, mentions: ["ablation_ns = 9", "n_min...n_max"]),
        ]

        @Test(arguments: badInputs)
        func badTimescalesInputGetsOneMessageAndWritesNothing(_ input: BadInput) throws {
            try EndToEnd.BadInputs().check(input)
        }

        /// `sweep-mpi train --trace-out` writes a trace; replayed from its own minibatches (the trace's
        /// data/, or the --dump-in folder) it gives the same arrays; the manifest has every parameter.
        @Test func traceOutAndTraceIn() throws {
            let workspace = Workspace()
            let config = try workspace.write("trace.json", #"{"family": "timescales", "hidden_size": 12, "batch_size": 8, "n_max": 4, "readout_heads": 3, "model": "mod", "trace": {"steps": 2, "ns": [2, 3]}}"#)
            let first = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-out", workspace.file("one")])
            #expect(first.status == 0, "\(first.output)")
            let again = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-in", workspace.file("one"),
                                                   "--trace-out", workspace.file("two")])
            #expect(again.status == 0, "\(again.output)")
            for name in ["series/train_loss", "grads/step_000001/tau", "params/final/W_hh", "data/step_000000/inputs", "forward/step_000000/logits"] {
                let one = workspace.bytes("one/" + name + ".npy"), two = workspace.bytes("two/" + name + ".npy")
                #expect(one != nil && one == two, "\(name)")
            }
            // The run's own minibatches and weights as a trace input (--dump-in) replay to the same trace.
            let dumped = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-out", workspace.file("three"),
                                                    "--dump-in", workspace.file("input")])
            #expect(dumped.status == 0 && workspace.bytes("input/init/W_hh.npy") != nil, "\(dumped.output)")
            let replayed = try ResultsChecks.command([Harness.sweepMPI, "train", config, "--trace-in", workspace.file("input"),
                                                     "--trace-out", workspace.file("four")])
            #expect(replayed.status == 0 && workspace.bytes("four/grads/step_000001/tau.npy") == workspace.bytes("one/grads/step_000001/tau.npy"))
            let manifest = String(decoding: workspace.bytes("one/trace.json") ?? Data(), as: UTF8.self)
            #expect(manifest.contains("\"readout_heads\": 3") && manifest.contains("\"hidden_size\": 12"), "the resolved parameters: \(manifest)")
        }
    }
}
