import Foundation
import Testing
import Sweep

extension EndToEnd {
    @Suite struct Refusals {
        static func errorLines(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("sweep-harness: error: ") }
        }

        /// Runs a sweep at a path that holds something else: every rank exits 73, one error line
        /// names the file, and the file is untouched.
        func expectRefusal(_ workspace: Workspace, existing name: String, mentioning text: String,
                           sourceLocation: SourceLocation = #_sourceLocation) throws {
            let trials = try workspace.trials("this.json", sweep: "this", seeds: 2, ["{\"x\": 1}"])
            let original = workspace.bytes(name)
            let (codes, output, _) = try Harness.runReportingEveryRank(ranks: 2, [trials, "--output", workspace.file(name)])
            #expect(codes == [73, 73], "\(output)", sourceLocation: sourceLocation)
            let errors = Self.errorLines(output)
            #expect(errors.count == 1, "\(output)", sourceLocation: sourceLocation)
            #expect(errors.first?.contains(workspace.file(name)) == true, sourceLocation: sourceLocation)
            #expect(errors.first?.contains(text) == true, "\(output)", sourceLocation: sourceLocation)
            #expect(workspace.bytes(name) == original, "\(name) was modified", sourceLocation: sourceLocation)
            #expect(!FileManager.default.fileExists(atPath: workspace.file(name) + ".partial"), sourceLocation: sourceLocation)
        }

        @Test func fileOfAnotherSweepIsRefusedAndRestartKeepsABackup() throws {
            let workspace = Workspace()
            let other = try workspace.trials("other.json", sweep: "other", seeds: 1, ["{\"x\": 5}"])
            #expect(try Harness.run(ranks: 1, [other, "--output", workspace.file("taken.h5")]).status == 0)
            try expectRefusal(workspace, existing: "taken.h5", mentioning: "belongs to sweep \"other\"")

            let original = workspace.bytes("taken.h5")
            let trials = workspace.file("this.json")
            let restart = try Harness.run(ranks: 2, [trials, "--output", workspace.file("taken.h5"), "--restart"])
            #expect(restart.status == 0, "\(restart.output)")
            let backups = try FileManager.default.contentsOfDirectory(atPath: workspace.path).filter { $0.hasPrefix("taken.h5.") && $0.hasSuffix(".bak") }
            #expect(backups.count == 1)
            #expect(backups.first.flatMap { workspace.bytes($0) } == original)
            let reader = try ResultsReader(path: workspace.file("taken.h5"))
            #expect(reader.attributes.sweepName == "this")
        }

        /// A job submitted twice: the second run refuses the file while the first writes it, and
        /// the first completes untouched; after it, the file is free again (no lock file left).
        @Test func aFileBeingWrittenIsRefused() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("busy.json", sweep: "busy", seeds: 6, ["{\"x\": 1, \"work_ms\": 400}"])
            let output = workspace.file("busy.h5")
            let first = try Harness.Job(ranks: 1, arguments: [trials, "--output", output, "--progress", "lines"])
            #expect(first.waitForOutput("to run on 1 rank"), "\(first.output)")
            let (codes, text, _) = try Harness.runReportingEveryRank(ranks: 2, [trials, "--output", output])
            #expect(codes == [73, 73], "\(text)")
            #expect(Self.errorLines(text).count == 1)
            #expect(text.contains("is being written by another run"), "\(text)")
            let finished = first.finish()
            #expect(finished.status == 0, "\(finished.output)")
            #expect(try ResultsChecks.statuses(output).allSatisfy { $0 == .done })
            #expect(!FileManager.default.fileExists(atPath: output + ".lock"))
            #expect(try Harness.run(ranks: 1, [trials, "--output", output]).status == 0)
        }

        @Test func nonHDF5FileIsRefused() throws {
            let workspace = Workspace()
            try Data("these are notes, not results\n".utf8).write(to: URL(fileURLWithPath: workspace.file("notes.h5")))
            try expectRefusal(workspace, existing: "notes.h5", mentioning: "is not an HDF5 file")
        }

        @Test func truncatedResultsFileIsRefused() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("this.json", sweep: "this", seeds: 2, ["{\"x\": 1}"])
            #expect(try Harness.run(ranks: 1, [trials, "--output", workspace.file("full.h5")]).status == 0)
            let full = try #require(workspace.bytes("full.h5"))
            try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: workspace.file("cut.h5")))
            try expectRefusal(workspace, existing: "cut.h5", mentioning: "truncated or damaged")
        }

        @Test func hdf5FileThatIsNotAResultsFileIsRefused() throws {
            let workspace = Workspace()
            let made = try ResultsChecks.command(["python3", "-c",
                "import h5py; f = h5py.File('\(workspace.file("plain.h5"))', 'w'); f['x'] = [1, 2, 3]; f.close()"])
            #expect(made.status == 0, "\(made.output)")
            try expectRefusal(workspace, existing: "plain.h5", mentioning: "not a sweep-mpi results file")
        }

        @Test func outputInAMissingFolderIsRefusedOnEveryRank() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("this.json", sweep: "this", seeds: 2, ["{\"x\": 1}"])
            let output = workspace.file("no/such/folder/out.h5")
            let (codes, text, _) = try Harness.runReportingEveryRank(ranks: 2, [trials, "--output", output])
            #expect(codes == [73, 73], "\(text)")
            let folder = workspace.file("no/such/folder")
            #expect(Self.errorLines(text) == ["sweep-harness: error: cannot create \(output).partial: the folder \(folder) "
                                              + "does not exist (create it with mkdir -p \(folder), or choose another --output)"])
        }

        @Test func badInvocationsGiveTheirExitStatusOnEveryRank() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("this.json", sweep: "this", seeds: 1, ["{\"x\": 1}"])
            try "{\"name\": \"broken\", \"trials\": [".write(toFile: workspace.file("broken.json"), atomically: true, encoding: .utf8)
            let cases: [([String], Int32)] = [
                ([trials, "--grace"], 64),
                ([trials, "--no-such-flag"], 64),
                ([workspace.file("missing.json")], 66),
                ([workspace.file("broken.json")], 65),
                ([try workspace.trials("bad.json", sweep: "bad", seeds: 1, ["{\"size\": -1}"])], 65),
            ]
            for (arguments, expected) in cases {
                let (codes, output, _) = try Harness.runReportingEveryRank(ranks: 2, arguments + ["--output", workspace.file("never.h5")])
                #expect(codes == [expected, expected], "\(arguments): \(output)")
                #expect(Self.errorLines(output).count == 1, "\(output)")
                #expect(!FileManager.default.fileExists(atPath: workspace.file("never.h5")))
            }
        }
    }
}
