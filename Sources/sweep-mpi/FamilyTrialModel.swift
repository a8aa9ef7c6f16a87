import Engine
import Sweep

/// The experiment families as sweep trials: the glue between the Sweep module (named parameters
/// in, named arrays out) and the Engine. One model runs one family.
struct FamilyTrialModel: TrialModel {
    let family: any ExperimentFamily
    let parameterNames: [String]
    let timingNames: [String]

    init(family: any ExperimentFamily) {
        self.family = family
        // Aliases are accepted wherever a parameter is named (they resolve to the canonical name).
        parameterNames = ["family"] + family.acceptedNames
        timingNames = family.timingNames
    }

    /// The family of a sweep file: `family` in its base (default farrell). One sweep file runs one
    /// family, so `family` may not vary across its trials.
    static func forSweep(specText: String) throws(SweepSpecError) -> FamilyTrialModel {
        let spec = try SweepSpec(text: specText)
        let swept = (spec.cases ?? []).enumerated().first { $0.element["family"] != nil }.map { "cases[\($0.offset)].family" }
            ?? spec.grid.first { $0.name == "family" }.map { _ in "grid.family" }
            ?? spec.zips.enumerated().first { $0.element.names.contains("family") }.map { "zip[\($0.offset)].family" }
        if let swept {
            throw SweepSpecError(field: swept, value: "", message: "one sweep file runs one family: set \"family\" in base")
        }
        do {
            return try forParameters(spec.base)
        } catch {
            throw SweepSpecError(field: "base.family", value: error.value, message: error.reason)
        }
    }

    /// The family named by `family` in `parameters` (default farrell).
    static func forParameters(_ parameters: JSONObject) throws(ParameterError) -> FamilyTrialModel {
        guard let value = parameters["family"], value != .null else {
            return FamilyTrialModel(family: Families.named(Families.defaultName)!)
        }
        return FamilyTrialModel(family: try family(named: value))
    }

    static func family(named value: JSONValue) throws(ParameterError) -> any ExperimentFamily {
        let names = Families.names
        guard case .string(let name) = value else {
            throw ParameterError(field: "family", value: value, reason: "expected a family name: \(names.joined(separator: ", "))")
        }
        guard let family = Families.named(name) else {
            throw ParameterError(field: "family", value: value,
                                 reason: "unknown family\(didYouMean(name, among: names)); the families are \(names.joined(separator: ", "))")
        }
        return family
    }

    /// The experiment of `parameters` and its resolved parameters, the trial's identity: the
    /// family's resolved parameters, with `family` in front for every family but farrell (whose
    /// trials were stored before families existed and keep their identity).
    func configure(_ parameters: JSONObject) throws(ParameterError) -> (experiment: any Experiment, resolved: JSONObject) {
        var values = parameters
        if let named = values["family"], named != .null {
            guard named == .string(family.name) else {
                throw ParameterError(field: "family", value: named, reason: "this sweep runs family \(family.name); one sweep runs one family")
            }
        }
        values["family"] = nil
        let (experiment, resolved) = try family.configure(values)
        guard family.name != Families.defaultName else { return (experiment, resolved) }
        return (experiment, JSONObject(uniqueMembers: [.init(key: "family", value: .string(family.name))] + resolved.members))
    }

    /// One configuration gives the resolved parameters, the metrics and the cost together.
    func resolve(_ parameters: JSONObject) throws(ParameterError) -> ResolvedTrial {
        let (experiment, resolved) = try configure(parameters)
        return ResolvedTrial(parameters: resolved, metrics: experiment.metrics, cost: experiment.estimatedSeconds)
    }

    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome {
        do {
            let experiment = try configure(resolved).experiment
            let result = try experiment.run(SweepControl(control))
            return TrialOutcome(kind: result.divergence == nil ? .done : .diverged, metrics: result.metrics,
                                message: result.divergence ?? "", timings: result.timings)
        } catch is ExperimentCancelled {
            return TrialOutcome(kind: .abandoned)
        } catch {
            return TrialOutcome(kind: .failed, message: "\(error)")
        }
    }
}

/// The sweep's trial control as the Engine sees it; checkpoints travel as encoded bytes.
final class SweepControl: ExperimentControl {
    let control: TrialControl
    init(_ control: TrialControl) { self.control = control }
    func shouldStop(progress: Double) -> Bool { control.shouldStop(progress: progress) }
    func checkpointDue() -> Bool { control.checkpointDue() }
    func saveCheckpoint(_ state: ExperimentState) throws { try control.saveCheckpoint(state.encoded()) }
    func resumed(at position: String) { control.resumed(at: position) }

    /// A checkpoint that cannot be decoded is dropped: the trial starts over.
    func restoreCheckpoint() -> ExperimentState? {
        guard let bytes = control.restoreCheckpoint() else { return nil }
        return try? ExperimentState(decoding: bytes)
    }
}
