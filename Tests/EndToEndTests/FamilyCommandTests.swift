import Foundation
import Testing
import Sweep

extension EndToEnd {
    /// Families on the command line: `params`, `plan --format json`, `train --trial`, `--set`, the
    /// `family` parameter, and the generated parameter tables of docs/families/.
    @Suite struct FamilyCommands {
        /// The repository's root (this file is Tests/EndToEndTests/FamilyCommandTests.swift).
        static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()

        static let sweep = """
            {"name": "tiny", "base": {"family": "farrell", "N": 8, "X_dim": 4, "X_clusters": 4, "n_lag": 3,
             "num_epochs": 2, "num_train_samples_per_epoch": 40, "dim_samples": 40, "acc_samples": 40,
             "dim_time_steps": 4},
             "analyses": ["dim_layers", "acc_over_training"],
             "grid": {"g_radius": [20, 250]}, "seeds": 3}
            """

        static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
            try ResultsChecks.command([Harness.sweepMPI] + arguments)
        }

        static func object(_ text: Substring) -> JSONObject? {
            if case .object(let object)? = try? JSONParser.parse(String(text)) { return object }
            return nil
        }

        static func planLines(_ arguments: [String]) throws -> [JSONObject] {
            let (status, output) = try run(["plan"] + arguments + ["--format", "json"])
            try #require(status == 0, "\(output)")
            return output.split(separator: "\n").compactMap(object)
        }

        @Test func paramsListsEveryParameterInEveryFormat() throws {
            let (status, json) = try Self.run(["params", "farrell", "--format", "json"])
            #expect(status == 0, "\(json)")
            guard case .array(let families)? = try? JSONParser.parse(json), case .object(let farrell)? = families.first,
                  case .array(let parameters)? = farrell["parameters"] else {
                Issue.record("params --format json: \(json)")
                return
            }
            let names = parameters.compactMap { parameter -> String? in
                if case .object(let p) = parameter, case .string(let name)? = p["name"] { return name }
                return nil
            }
            // Every resolved parameter of a trial is declared, in the resolved order, with a description.
            let (_, resolved) = try Self.run(["train", "-", "--resolve-only"], input: "{}")
            guard let trial = Self.object(resolved[...]), case .object(let resolvedParameters)? = trial["parameters"] else {
                Issue.record("train --resolve-only: \(resolved)")
                return
            }
            #expect(names == resolvedParameters.keys)
            #expect(names.count > 40 && names.contains("g_radius") && names.contains("lyap_exponents"))
            for parameter in parameters {
                guard case .object(let p) = parameter, case .string(let description)? = p["description"],
                      case .string(let allowed)? = p["allowed"], case .string(let defaultText)? = p["default"] else {
                    Issue.record("incomplete declaration \(parameter)")
                    continue
                }
                #expect(!description.isEmpty && !allowed.isEmpty && !defaultText.isEmpty, "\(parameter)")
            }
            let (tableStatus, table) = try Self.run(["params"])
            #expect(tableStatus == 0 && table.contains("family farrell:") && table.contains("g_radius"), "\(table)")
            let (markdownStatus, markdown) = try Self.run(["params", "farrell", "--format", "markdown"])
            #expect(markdownStatus == 0 && markdown.hasPrefix("| parameter | default | allowed | description |"))
            #expect(markdown.split(separator: "\n").count == names.count + 2)
        }

        @Test func anUnknownFamilyIsAUsageErrorWithASuggestion() throws {
            let (status, output) = try Self.run(["params", "farell"])
            #expect(status == 64 && output.contains("unknown family \"farell\" (did you mean \"farrell\"?)"), "\(output)")
        }

        @Test func theGeneratedParameterTablesAreCurrent() throws {
            let pages = try FileManager.default.contentsOfDirectory(atPath: Self.root.appendingPathComponent("docs/families").path)
            var checked = 0
            for page in pages where page.hasSuffix(".md") {
                let text = try String(contentsOf: Self.root.appendingPathComponent("docs/families/\(page)"), encoding: .utf8)
                guard let begin = text.range(of: #"<!-- parameters ([a-z_]+): begin -->"#, options: .regularExpression) else { continue }
                let family = String(text[begin].dropFirst("<!-- parameters ".count).dropLast(": begin -->".count))
                let end = try #require(text.range(of: "<!-- parameters \(family): end -->"), "\(page): no end marker")
                let embedded = text[begin.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines)
                let (status, generated) = try Self.run(["params", family, "--format", "markdown"])
                #expect(status == 0)
                #expect(embedded == generated.trimmingCharacters(in: .whitespacesAndNewlines),
                        "docs/families/\(page): the parameter table of \(family) is stale; run scripts/generate-docs.sh")
                checked += 1
            }
            #expect(checked >= 1)
        }

        @Test func planJSONListsEveryTrialWithItsIdentity() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("tiny.json", Self.sweep)
            let lines = try Self.planLines([sweep])
            #expect(lines.count == 6)
            for (index, line) in lines.enumerated() {
                guard case .number(let position)? = line["index"], case .string(let id)? = line["id"],
                      case .object(let parameters)? = line["parameters"] else {
                    Issue.record("plan line \(index): \(line)")
                    continue
                }
                #expect(Int(position) == index)
                #expect(id == TrialIdentity.id(of: parameters))
                // farrell trials keep their identity from before families: no "family" among the parameters.
                #expect(parameters["family"] == nil && parameters["N"] == .number(8))
            }
            #expect(Set(lines.compactMap { $0["id"] }).count == 6)
            // --set applies to every trial; other seeds are chosen with --seeds.
            let longer = try Self.planLines([sweep, "--set", "num_epochs=3", "--seeds", "0-3"])
            #expect(longer.count == 8)
            #expect(longer.allSatisfy { line in
                if case .object(let p)? = line["parameters"] { return p["num_epochs"] == .number(3) }
                return false
            })
        }

        @Test func trainTrialKReproducesTheSweepsTrialBitForBit() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("tiny.json", Self.sweep)
            let results = workspace.file("tiny.h5")
            let run = try Harness.run(ranks: 2, [sweep, "--output", results, "--progress", "none"], program: Harness.sweepMPI)
            try #require(run.status == 0, "\(run.output)")
            let stored = try ResultsChecks.metricBytesById(results)
            let ids = try Self.planLines([sweep]).map { line -> String in
                if case .string(let id)? = line["id"] { return id }
                return ""
            }
            for selector in ["4", String(ids[1].prefix(6))] {
                let (status, output) = try Self.run(["train", sweep, "--trial", selector])
                try #require(status == 0, "\(output)")
                let trained = try #require(Self.object(output[...]), "\(output)")
                guard case .string(let id)? = trained["id"], case .object(let metrics)? = trained["metrics"],
                      case .object(let timings)? = trained["timings"] else {
                    Issue.record("train --trial \(selector): \(output)")
                    continue
                }
                #expect(id == (selector == "4" ? ids[4] : ids[1]))
                #expect(timings["train_seconds"] != nil)
                for name in ["dim_layers", "acc_over_training", "epoch_stats"] {
                    let printed = Self.flatten(try #require(metrics[name])).map(\.bitPattern)
                    #expect(printed == stored[id + "/" + name], "\(name) of trial \(selector) differs from the sweep's row")
                }
            }
        }

        static func flatten(_ value: JSONValue) -> [Double] {
            switch value {
            case .array(let items): items.flatMap(flatten)
            case .number(let x): [x]
            default: [.nan]
            }
        }

        @Test func badTrialSelectionsAndAssignmentsAreRefusedClearly() throws {
            let workspace = Workspace()
            let sweep = try workspace.write("tiny.json", Self.sweep)
            let config = try workspace.write("net.json", #"{"N": 8, "X_dim": 4, "X_clusters": 4, "num_epochs": 0, "analyses": []}"#)
            let cases: [([String], Int32, String)] = [
                (["train", sweep, "--trial", "6"], 64, "--trial 6: the sweep has 6 trials (0...5)"),
                (["train", sweep, "--trial=-1"], 64, "--trial -1: the sweep has 6 trials"),
                (["train", sweep, "--trial", "zz"], 64, "no trial index or id starts with \"zz\""),
                (["train", sweep], 64, "is a sweep file: choose one of its trials with --trial K"),
                (["train", config, "--trial", "0"], 64, "--trial K needs a sweep file"),
                (["train", config, "--set", "N"], 64, "--set N: expected key=value"),
                (["train", config, "--set", "=3"], 64, "expected a parameter name"),
                (["plan", sweep, "--set", "N=8", "--set", "N=9"], 64, "--set N is given twice"),
                (["train", config, "--set", "learnig_rate=0.1"], 65, "did you mean \"learning_rate\""),
                (["train", config, "--set", "N=0"], 65, "--set N = 0: must be in 1...65536"),
                (["plan", sweep, "--set", "g_raduis=20"], 65, "--set g_raduis"),
                (["plan", sweep, "--set", "seed=3"], 65, "the seeds of a sweep are chosen with --seeds"),
                (["plan", sweep, "--set", "g_radius=20"], 65, "the sweep would run one trial twice"),
            ]
            for (arguments, expected, fragment) in cases {
                let (status, output) = try Self.run(arguments)
                #expect(status == expected, "\(arguments): \(output)")
                #expect(output.contains(fragment), "\(arguments): \(output) should contain \(fragment)")
            }
            // A valid --set changes the config it is given with.
            let (status, output) = try Self.run(["train", config, "--set", "N=6", "--set", "loss=mse", "--resolve-only"])
            let resolved = try #require(Self.object(output[...]), "\(output)")
            guard case .object(let parameters)? = resolved["parameters"] else { Issue.record("\(output)"); return }
            #expect(status == 0 && parameters["N"] == .number(6) && parameters["loss"] == .string("mse"))
        }

        @Test func theFamilyIsChosenOnceInBase() throws {
            let workspace = Workspace()
            let cases: [(String, String)] = [
                (#"{"name": "x", "base": {"family": "farell"}}"#, #"base.family = "farell": unknown family (did you mean "farrell"?)"#),
                (#"{"name": "x", "base": {"family": 3}}"#, "base.family = 3: expected a family name"),
                (#"{"name": "x", "grid": {"family": ["farrell"]}}"#, "grid.family"),
                (#"{"name": "x", "cases": [{"family": "farrell"}]}"#, "one sweep file runs one family"),
            ]
            for (index, (text, fragment)) in cases.enumerated() {
                let sweep = try workspace.write("family\(index).json", text)
                let (status, output) = try Self.run(["plan", sweep])
                #expect(status == 65 && output.contains(fragment), "\(text): \(output)")
            }
            let config = try workspace.write("config.json", #"{"family": "nope"}"#)
            let (status, output) = try Self.run(["train", config, "--resolve-only"])
            #expect(status == 65 && output.contains("unknown family") && output.contains("the families are farrell"), "\(output)")
        }

        /// A results file written by sweep-mpi 0.1.0 (before families, with its timings as metrics)
        /// resumes with nothing to run: every trial keeps its identity. status, stats and plan read it.
        @Test func aReleaseZeroOneFileResumesWithNothingToRun() throws {
            let fixture = Self.root.appendingPathComponent("Tests/EndToEndTests/Fixtures/release-0.1.0")
            let workspace = Workspace()
            let results = workspace.file("results.h5")
            try FileManager.default.copyItem(atPath: fixture.appendingPathComponent("results.h5").path, toPath: results)
            let sweep = fixture.appendingPathComponent("sweep.json").path
            let before = try ResultsChecks.metricBytesById(results)
            let statusesBefore = try ResultsChecks.statusById(results)
            #expect(statusesBefore.count == 16 && statusesBefore.values.allSatisfy { $0 == .done })

            let (planStatus, plan) = try Self.run(["plan", sweep, "--output", results])
            #expect(planStatus == 0 && plan.contains("16 done, 0 failed, 0 diverged, 0 to run"), "\(plan)")
            let resumed = try Harness.run(ranks: 2, [sweep, "--output", results, "--progress", "none"], program: Harness.sweepMPI)
            #expect(resumed.status == 0, "\(resumed.output)")
            #expect(resumed.output.contains("16 trials, 0 to run"), "\(resumed.output)")
            #expect(try ResultsChecks.metricBytesById(results) == before)
            #expect(try ResultsChecks.statusById(results) == statusesBefore)

            let (statusStatus, status) = try Self.run(["status", results])
            #expect(statusStatus == 0 && status.contains("16 done, 0 pending, 0 failed, 0 diverged"), "\(status)")
            let (statsStatus, stats) = try Self.run(["stats", results, "--metric", "time_train", "--format", "csv"])
            #expect(statsStatus == 0 && stats.split(separator: "\n").count > 1, "\(stats)")
        }
    }
}

extension EndToEnd.FamilyCommands {
    /// Runs sweep-mpi with `input` on its standard input.
    static func run(_ arguments: [String], input: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Harness.sweepMPI)
        process.arguments = arguments
        let output = Pipe(), stdin = Pipe()
        process.standardOutput = output
        process.standardError = output
        process.standardInput = stdin
        try process.run()
        stdin.fileHandleForWriting.write(Data(input.utf8))
        try stdin.fileHandleForWriting.close()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}

extension EndToEnd.FamilyCommands {
    /// The differential trace (scripts/reference/TRACE.md): a run that dumps its own inputs, replayed
    /// from them, writes the same trace bit for bit; the folder layout the reference harness reads.
    @Test func theDifferentialTraceReplaysItsOwnInputs() throws {
        let workspace = Workspace()
        let config = try workspace.write("trace.json", """
            {"N": 8, "X_dim": 4, "X_clusters": 4, "n_lag": 3, "num_epochs": 2, "num_train_samples_per_epoch": 40,
             "dim_samples": 40, "lyap_max_steps": 30, "loss": "mse",
             "trace": {"grad_steps": 2, "weight_steps": [1, 3], "lyap_ics": 2}}
            """)
        let own = workspace.file("own"), inputs = workspace.file("in"), replay = workspace.file("replay")
        var (status, output) = try Self.run(["train", config, "--trace-out", own, "--dump-in", inputs])
        try #require(status == 0, "\(output)")
        (status, output) = try Self.run(["train", config, "--trace-in", inputs, "--trace-out", replay])
        try #require(status == 0, "\(output)")
        let expected = ["trace.json", "series/train_loss.npy", "series/lr.npy", "grads/step_000000/Wrec.npy",
                        "grads/step_000001/Wout.npy", "params/init/Win.npy", "params/step_000003/Wrec.npy",
                        "params/final/Wrec.npy", "analysis/final/dim_layers.npy", "analysis/init/lyap.npy"]
        for name in expected {
            let a = FileManager.default.contents(atPath: own + "/" + name), b = FileManager.default.contents(atPath: replay + "/" + name)
            #expect(a != nil, "\(name) missing")
            if name != "trace.json" { #expect(a == b, "\(name) differs between the run and its replay") }
        }
        for name in ["init/Wrec.npy", "data/train_inputs.npy", "data/val_labels.npy", "eval/inputs.npy", "eval/lyap_ics.npy"] {
            #expect(FileManager.default.fileExists(atPath: inputs + "/" + name), "\(name) missing from the dumped inputs")
        }
        // Bad trace input: a weight of the wrong shape is named.
        try FileManager.default.removeItem(atPath: inputs + "/init/Wrec.npy")
        try FileManager.default.copyItem(atPath: inputs + "/init/Win.npy", toPath: inputs + "/init/Wrec.npy")
        (status, output) = try Self.run(["train", config, "--trace-in", inputs, "--trace-out", workspace.file("bad")])
        #expect(status == 65 && output.contains("init/Wrec has shape"), "\(output)")
        (status, output) = try Self.run(["train", config, "--trace-in", inputs])
        #expect(status == 64 && output.contains("--trace-in and --dump-in need --trace-out"), "\(output)")
    }
}
