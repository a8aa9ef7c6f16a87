import Foundation
import Testing
import Sweep

extension EndToEnd {
    @Suite struct Outcomes {
        @Test func throwingAndDivergingTrialsAreRecordedAndTheSweepGoesOn() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("outcomes.json", sweep: "outcomes", seeds: 2, [
                "{\"x\": 1}", "{\"x\": 3, \"fail_if\": 3}", "{\"x\": 4, \"diverge_if\": 4, \"size\": 6}",
            ])
            let output = workspace.file("outcomes.h5")
            let result = try Harness.run(ranks: 2, [trials, "--output", output],
                                         environment: ["SWEEP_HARNESS_LOG": workspace.file("log")])
            #expect(result.status == 0, "\(result.output)")
            try ResultsChecks.openWithExternalTools(output)

            let reader = try ResultsReader(path: output)
            #expect(try reader.statuses() == [.done, .done, .failed, .failed, .diverged, .diverged])
            let errors = try reader.errors()
            #expect(errors[0].isEmpty && errors[1].isEmpty)
            #expect(errors[2] == "x = 3.0 is the value of fail_if")
            #expect(errors[4] == "diverged at index 3")
            // A diverged trial keeps whatever it computed before the NaN.
            let values = try reader.metricValues("values", rows: 4..<5)
            #expect(values[0..<3].allSatisfy(\.isFinite) && values[3..<6].allSatisfy(\.isNaN))
            #expect(try reader.metricValues("values", rows: 2..<3).allSatisfy(\.isNaN))
            reader.close()

            // A plain rerun has nothing to do; --rerun-failed runs exactly the failed and diverged ones.
            let again = try Harness.run(ranks: 2, [trials, "--output", output],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("log2")])
            #expect(again.status == 0 && again.output.contains("0 to run"), "\(again.output)")
            #expect(workspace.logLines("log2").isEmpty)
            let rerun = try Harness.run(ranks: 2, [trials, "--output", output, "--rerun-failed"],
                                        environment: ["SWEEP_HARNESS_LOG": workspace.file("log3")])
            #expect(rerun.status == 0 && rerun.output.contains("4 to run"), "\(rerun.output)")
            #expect(workspace.logLines("log3").sorted() == ["x=3.0 seed=0.0", "x=3.0 seed=1.0", "x=4.0 seed=0.0", "x=4.0 seed=1.0"])
            #expect(try ResultsChecks.statuses(output) == [.done, .done, .failed, .failed, .diverged, .diverged])
        }

        @Test func statusCountsTrialsPerValueFromTheColumns() throws {
            // String, number, flag and missing values, an empty string (which a string column
            // cannot tell from a missing one) and a value with a quote.
            let workspace = Workspace()
            let trials = try workspace.trials("status.json", sweep: "status", seeds: 2, [
                "{\"x\": 1, \"label\": \"a\\\"b\", \"fail_if\": 1}", "{\"x\": 2, \"label\": \"\"}",
                "{\"x\": 3.5, \"diverge_if\": 3.5}",
            ])
            let output = workspace.file("status.h5")
            let result = try Harness.run(ranks: 1, [trials, "--output", output])
            #expect(result.status == 0, "\(result.output)")
            let status = try ResultsChecks.command([Harness.sweepMPI, "status", output])
            #expect(status.status == 0)
            let lines = status.output.split(separator: "\n").map(String.init)
            #expect(Array(lines.dropFirst()) == [
                "  2 done, 0 pending, 2 failed, 2 diverged",
                "by x:",
                "  1    0 done, 0 pending, 2 failed, 0 diverged",
                "  2    2 done, 0 pending, 0 failed, 0 diverged",
                "  3.5  0 done, 0 pending, 0 failed, 2 diverged",
                "by label:",
                "  \"a\\\"b\"  0 done, 0 pending, 2 failed, 0 diverged",
                "  \"\"      2 done, 0 pending, 0 failed, 0 diverged",
                "  -       0 done, 0 pending, 0 failed, 2 diverged",
                "by fail_if:",
                "  1  0 done, 0 pending, 2 failed, 0 diverged",
                "  -  2 done, 0 pending, 0 failed, 2 diverged",
                "by diverge_if:",
                "  -    2 done, 0 pending, 2 failed, 0 diverged",
                "  3.5  0 done, 0 pending, 0 failed, 2 diverged",
                "failed and diverged trials:",
                "  row 0 failed [x=1 label=\"a\\\"b\" fail_if=1 seed=0]: x = 1.0 is the value of fail_if",
                "  row 1 failed [x=1 label=\"a\\\"b\" fail_if=1 seed=1]: x = 1.0 is the value of fail_if",
                "  row 4 diverged [x=3.5 diverge_if=3.5 seed=0]: diverged at index 2",
                "  row 5 diverged [x=3.5 diverge_if=3.5 seed=1]: diverged at index 2",
            ], "\(status.output)")
        }
    }
}
