import Foundation
import Testing
import Sweep

extension EndToEnd {
    /// Many small trials through the real runtime. How fast (trials per second, scaling with ranks)
    /// is measured by scripts/bench.sh, not asserted here: a loaded CI machine makes timings noise.
    @Suite struct ManyTrials {
        @Test(arguments: [2, 4])
        func tenThousandTrivialTrialsAreAllRunAndStored(ranks: Int) throws {
            let workspace = Workspace()
            let trials = try workspace.trials("trivial.json", sweep: "trivial", seeds: 10_000, ["{\"x\": 1}"])
            let result = try Harness.run(ranks: ranks, [trials, "--output", workspace.file("trivial.h5")])
            #expect(result.status == 0, "\(result.output)")
            let statuses = try ResultsChecks.statuses(workspace.file("trivial.h5"))
            #expect(statuses.count == 10_000 && statuses.allSatisfy { $0 == .done })
        }
    }
}
