import Foundation
import Testing
import Sweep

/// End-to-end tests run the real harness binary under real mpirun, one at a time (the machine
/// has two cores; timings and kill points must not compete with other jobs of this suite).
@Suite(.serialized) struct EndToEnd {}

extension EndToEnd {
    @Suite struct Determinism {
        @Test func oneTwoAndFourRanksWriteBitIdenticalMetrics() throws {
            let workspace = Workspace()
            let trials = try workspace.trials("mix.json", sweep: "mix", seeds: 4, [
                "{\"x\": 1, \"work_ms\": 5}", "{\"x\": 2.5, \"size\": 7}", "{\"x\": 3, \"fail_if\": 3}",
                "{\"x\": 4, \"diverge_if\": 4, \"work_ms\": 2}", "{\"x\": 0.125, \"size\": 2, \"work_ms\": 3}",
            ])
            var files: [String] = []
            for ranks in [1, 2, 4] {
                let output = workspace.file("ranks\(ranks).h5")
                let result = try Harness.run(ranks: ranks, [trials, "--output", output])
                #expect(result.status == 0, "\(result.output)")
                #expect(result.output.contains("20 trials finished: 12 done, 4 failed, 4 diverged"), "\(result.output)")
                try ResultsChecks.openWithExternalTools(output)
                files.append(output)
            }
            let reference = try ResultsChecks.metricBytes(files[0])
            #expect(reference.keys.sorted() == ["total", "values"])
            for file in files.dropFirst() {
                #expect(try ResultsChecks.metricBytes(file) == reference, "\(file) differs from the 1-rank run")
            }
            // The 4-rank run really spread the trials over several ranks.
            let reader = try ResultsReader(path: files[2])
            #expect(Set(try reader.ranks()).count > 1)
            #expect(try reader.hosts().allSatisfy { !$0.isEmpty })
            #expect(try reader.seconds().allSatisfy { $0.isFinite && $0 >= 0 })
        }
    }
}
