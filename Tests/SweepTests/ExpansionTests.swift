import Testing
@testable import Sweep

@Suite struct ExpansionTests {
    /// A spec using every axis: 2 cases x 2 grid values x 2 zip points x 2 seeds = 16 trials,
    /// minus the 4 with a = 2 and b = "y".
    static let fullSpec = """
    {
      "name": "order",
      "description": "every axis at once",
      "base": {"d": "base", "c": 9},
      "cases": [{"b": "x"}, {"b": "Y"}],
      "grid": {"a": [1, 2]},
      "zip": [{"c": [3, 4], "d": ["p", "q"]}],
      "seeds": "0-1",
      "exclude": [{"a": 2, "b": "y"}]
    }
    """

    private func summary(_ trial: Trial) -> String {
        ["b", "a", "c", "d", "seed"].map { trial.parameters[$0]!.compactText }.joined(separator: " ")
    }

    @Test func expansionOrderAndExclusion() throws {
        let plan = try plan(Self.fullSpec)
        // Cases outermost, then the grid, then the zip group, seeds innermost; the case's "Y"
        // is resolved to "y" before the exclude entry is compared.
        #expect(plan.trials.map(summary) == [
            #""x" 1 3 "p" 0"#, #""x" 1 3 "p" 1"#, #""x" 1 4 "q" 0"#, #""x" 1 4 "q" 1"#,
            #""x" 2 3 "p" 0"#, #""x" 2 3 "p" 1"#, #""x" 2 4 "q" 0"#, #""x" 2 4 "q" 1"#,
            #""y" 1 3 "p" 0"#, #""y" 1 3 "p" 1"#, #""y" 1 4 "q" 0"#, #""y" 1 4 "q" 1"#,
        ])
        #expect(plan.name == "order")
        #expect(plan.output == "results/order.h5")
        #expect(plan.specText == Self.fullSpec)
        #expect(plan.trials.allSatisfy { $0.id == TrialIdentity.id(of: $0.parameters) })
        #expect(plan.hash == TrialIdentity.planHash(ids: plan.trials.map(\.id)))
        #expect(plan.trials.map(\.cost) == plan.trials.map { $0.parameters["a"] == .number(1) ? 10 : 20 })
    }

    @Test func expansionDetails() throws {
        let expansion = try expandSweep(specText: Self.fullSpec, model: TestModel())
        #expect(expansion.expandedCount == 16 && expansion.excludedCount == 4)
        #expect(expansion.positions[9] == TrialPosition(caseIndex: 1, gridIndices: [0], zipIndices: [0], seed: 1))
        #expect(expansion.axisValues.map(\.name) == ["d", "c", "b", "a", "seed", "area"])
        #expect(expansion.axisValues.map { $0.values.map(\.compactText) } == [
            [#""p""#, #""q""#], ["3", "4"], [#""x""#, #""y""#], ["1", "2"], ["0", "1"], ["1", "4"],
        ])
        let summary = expansion.summary
        #expect(summary.contains("sweep order: every axis at once"))
        #expect(summary.contains("trials: 12 = 2 cases x 2 a x 2 (c, d) x 2 seeds - 4 excluded"))
        #expect(summary.contains("plan hash: \(expansion.plan.hash)"))
        #expect(summary.contains("pair [2, 3] (row, col)"))
    }

    @Test func planColumns() throws {
        // Keys the file sets in first-mention order (base, cases, grid, zip), then "seed",
        // then parameters that vary without being set ("area" follows "a").
        #expect(try plan(Self.fullSpec).columns == ["d", "c", "b", "a", "seed", "area"])
        // A parameter that is constant and unmentioned is not a column.
        #expect(try plan(#"{"name": "n", "grid": {"b": ["x", "y"]}, "seeds": 2}"#).columns == ["b", "seed"])
        #expect(try plan(#"{"name": "n", "base": {"a": 3}, "analyses": ["u", "v"]}"#).columns == ["a", "analyses", "seed"])
    }

    @Test func metricUnionTakesLargestShapes() throws {
        let plan = try plan(#"{"name": "m", "grid": {"a": [1, 3.5, 2]}, "cases": [{"b": "x"}, {"b": "y"}]}"#)
        #expect(plan.metrics == [
            MetricSpec(name: "curve", shape: [4], axes: ["time"]),
            MetricSpec(name: "pair", shape: [2, 3], axes: ["row", "col"]),
            MetricSpec(name: "extra", shape: [1], axes: ["k"]),
        ])
    }

    @Test func metricWithDifferentAxesIsAnError() {
        let error = specError(#"{"name": "m", "grid": {"b": ["x", "y"]}}"#, model: TestModel(inconsistentAxes: true))
        #expect(error?.field == "metrics.curve")
        #expect(error?.description.contains("axes [time] in trial 0 (b=\"x\", seed=0) but [step] in trial 1 (b=\"y\", seed=0)") == true)
    }

    @Test func identityDoesNotDependOnSpelling() throws {
        let first = try plan(#"{"name": "s", "base": {"a": 1, "c": 2}, "grid": {"b": ["x", "y"]}}"#)
        let second = try plan(#"{"grid": {"b": ["X", "y"]}, "base": {"c": 2.0, "a": 1.0}, "name": "s", "seeds": [0]}"#)
        #expect(first.trials.map(\.id) == second.trials.map(\.id))
        #expect(first.hash == second.hash)
        // A different order of the same trials is a different plan.
        let reordered = try plan(#"{"name": "s", "base": {"a": 1, "c": 2}, "grid": {"b": ["y", "x"]}}"#)
        #expect(Set(reordered.trials.map(\.id)) == Set(first.trials.map(\.id)) && reordered.hash != first.hash)
    }

    @Test func seedsDefaultsAndOverride() throws {
        let spec = #"{"name": "s", "seeds": 3, "output": "out/s.h5"}"#
        #expect(try plan(spec).trials.map { $0.parameters["seed"]! } == [.number(0), .number(1), .number(2)])
        #expect(try plan(#"{"name": "s"}"#).trials.map { $0.parameters["seed"]! } == [.number(0)])
        let overridden = try plan(spec, seeds: "7,2")
        #expect(overridden.trials.map { $0.parameters["seed"]! } == [.number(7), .number(2)])
        #expect(overridden.output == "out/s.h5")
        // Growing the seeds keeps the ids of the trials already there.
        let grown = try plan(spec, seeds: "0-9")
        #expect(Array(grown.trials.prefix(3).map(\.id)) == (try plan(spec)).trials.map(\.id))
        #expect(specError(spec, seeds: "3-1")?.description == #"--seeds = "3-1": range "3-1" is descending (write 1-3)"#)
    }

    @Test func analysesSugarGoesIntoBase() throws {
        let plan = try plan(#"{"name": "s", "analyses": ["dim", "acc"]}"#)
        #expect(plan.trials[0].parameters["analyses"] == .array([.string("dim"), .string("acc")]))
    }

    @Test func axisOverridesBase() throws {
        let plan = try plan(#"{"name": "s", "base": {"a": 5, "d": "z"}, "grid": {"a": [2]}, "cases": [{"d": "w"}]}"#)
        #expect(plan.trials[0].parameters["a"] == .number(2))
        #expect(plan.trials[0].parameters["d"] == .string("w"))
    }

    /// Every trial of a plan is what resolving it alone gives: identity, parameters, their
    /// stored text, metrics and cost.
    private func expectEachTrialResolvedAlone(_ plan: Plan, raw: (Trial) -> JSONObject, model: TestModel,
                                              sourceLocation: SourceLocation = #_sourceLocation) throws {
        for trial in plan.trials {
            let alone = try model.resolve(raw(trial))
            #expect(trial.parameters == alone.parameters, sourceLocation: sourceLocation)
            #expect(trial.id == TrialIdentity.id(of: alone.parameters), sourceLocation: sourceLocation)
            #expect(trial.parametersText == alone.parameters.compactText, sourceLocation: sourceLocation)
            #expect(trial.metrics == alone.metrics && trial.cost == alone.cost, sourceLocation: sourceLocation)
            for key in alone.parameters.keys + ["absent"] {
                #expect(trial.parameter(key) == alone.parameters[key], sourceLocation: sourceLocation)
            }
        }
    }

    @Test func seedsOfOneCombinationShareOneResolution() throws {
        let spec = #"{"name": "g", "base": {"d": "tab\there"}, "grid": {"a": [1, 2.5]}, "cases": [{"b": "x"}, {"b": "y"}], "seeds": "5,0-3,9"}"#
        let plan = try plan(spec)
        #expect(plan.trials.count == 24)
        // One shared resolution per (case, a) combination: the seeds between the first and the last are derived.
        #expect(Set(plan.trials.compactMap { $0.seedGroup.map(ObjectIdentifier.init) }).count == 4)
        try expectEachTrialResolvedAlone(plan, raw: { trial in
            JSONObject([("d", .string("tab\there")), ("a", trial.parameters["a"]!), ("b", trial.parameters["b"]!),
                        ("seed", trial.parameters["seed"]!)])
        }, model: TestModel())
        #expect(plan.trials.map { $0.parameters["seed"]! } == Array(repeating: [5, 0, 1, 2, 3, 9].map { JSONValue.number($0) }, count: 4).flatMap { $0 })
    }

    @Test func aResolutionThatDependsOnTheSeedIsResolvedSeedBySeed() throws {
        let model = TestModel(cDefaultsToSeed: true)
        let plan = try plan(#"{"name": "g", "grid": {"a": [1, 2]}, "seeds": 6}"#, model: model)
        #expect(plan.trials.allSatisfy { $0.seedGroup == nil })
        #expect(plan.trials.map { $0.parameters["c"]! } == plan.trials.map { $0.parameters["seed"]! })
        try expectEachTrialResolvedAlone(plan, raw: { trial in
            JSONObject([("a", trial.parameters["a"]!), ("seed", trial.parameters["seed"]!)])
        }, model: model)
    }

    @Test func excludeAndColumnsSeeEverySeedOfAGroup() throws {
        let expansion = try expandSweep(specText: #"{"name": "g", "grid": {"a": [1, 2]}, "seeds": 5, "exclude": [{"seed": 3}, {"a": 2, "seed": 0}]}"#,
                                        model: TestModel())
        #expect(expansion.plan.trials.map { "\($0.parameters["a"]!.compactText)/\($0.parameters["seed"]!.compactText)" }
                == ["1/0", "1/1", "1/2", "1/4", "2/1", "2/2", "2/4"])
        #expect(expansion.expandedIndices == [0, 1, 2, 4, 6, 7, 9])
        #expect(expansion.position(ofTrial: 4) == TrialPosition(caseIndex: 0, gridIndices: [1], zipIndices: [], seed: 1))
        #expect(expansion.axisValues.first { $0.name == "seed" }?.values == [0, 1, 2, 4].map { .number($0) })
        #expect(expansion.plan.columns == ["a", "seed", "area"])
    }

    @Test func aFailingSeedGroupIsReportedAsBefore() {
        // Every seed of the bad combination fails: the first is named, the others counted.
        let error = specError(#"{"name": "g", "grid": {"a": [1, -1]}, "seeds": 4}"#)
        #expect(error?.description.contains("must be > 0 (trial 4: a=-1, seed=0; the same error in 3 other trials)") == true)
    }
}
