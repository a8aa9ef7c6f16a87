import Foundation

/// Every array a timescales experiment produces, NaN-filled up front with shapes from the config
/// alone: per epoch (up to max_epochs), per N of the curriculum (n_min … n_max: what the network
/// was when the curriculum reached that N, NaN for an N never reached), and per analysis.
/// The arrays filled so far travel in checkpoints.
struct TimescalesResults {
    let specs: [MetricSpec]
    private(set) var values: [String: [Double]]

    /// The perturbation strengths of src/utils and the analysis scripts: ε ∈ {0} ∪ geomspace(…).
    static let weightPerturbations = [0] + geometric(from: 1e-2, to: 10, count: 10)
    static let tauPerturbations = [0] + geometric(from: 1e-3, to: 10, count: 13)

    static func geometric(from a: Double, to b: Double, count: Int) -> [Double] {
        (0..<count).map { a * pow(b / a, Double($0) / Double(count - 1)) }
    }

    static func specs(_ c: TimescalesConfig) -> [MetricSpec] {
        let epochs = c.max_epochs, heads = c.headsNeeded, q = c.milestoneCount, h = c.hidden_size
        var specs = [
            MetricSpec("loss", [epochs], axes: ["epoch"]),
            MetricSpec("accuracy", [epochs, heads], axes: ["epoch", "head"]),
            MetricSpec("n_newest", [epochs], axes: ["epoch"]),
            MetricSpec("epochs", [], axes: []),
            MetricSpec("largest_n", [], axes: []),
            MetricSpec("milestone_epoch", [q], axes: ["N"]),
            MetricSpec("tau", [q, h], axes: ["N", "unit"]),
            MetricSpec("tau_mean", [q], axes: ["N"]),
            MetricSpec("tau_std", [q], axes: ["N"]),
        ]
        if c.analyses.contains(.timescales) {
            specs += [
                MetricSpec("tau_net", [q, h], axes: ["N", "unit"]),
                MetricSpec("tau_net_model", [q, h], axes: ["N", "unit"]),
                MetricSpec("fit_single", [q, h, 2], axes: ["N", "unit", "parameter"]),
                MetricSpec("fit_double", [q, h, 4], axes: ["N", "unit", "parameter"]),
                MetricSpec("fit_aic", [q, h, 2], axes: ["N", "unit", "model"]),
                MetricSpec("tau_net_mean", [q], axes: ["N"]),
                MetricSpec("tau_net_std", [q], axes: ["N"]),
                MetricSpec("population_ac", [q, c.ac_lags], axes: ["N", "lag"]),
            ]
        }
        if c.analyses.contains(.dimensionality) {
            specs += [
                MetricSpec("pca_dimension", [q, c.tau_net_trials], axes: ["N", "trial"]),
                MetricSpec("pca_explained_variance", [q, h], axes: ["N", "component"]),
            ]
        }
        if c.analyses.contains(.ablation) {
            let a = c.ablation_ns.count, units = 2 * c.ablation_neurons, r = c.accuracy_trials
            specs += [
                MetricSpec("ablation_units", [a, units], axes: ["ablation_N", "ablated"]),
                MetricSpec("ablation_tau", [a, units], axes: ["ablation_N", "ablated"]),
                MetricSpec("ablation_baseline", [a, r], axes: ["ablation_N", "trial"]),
                MetricSpec("ablation_accuracy", [a, units, r], axes: ["ablation_N", "ablated", "trial"]),
            ]
        }
        if c.analyses.contains(.perturbation) {
            let p = c.perturbation_ns.count, r = c.accuracy_trials
            specs += [
                MetricSpec("perturbation_weights_strength", [weightPerturbations.count], axes: ["strength"]),
                MetricSpec("perturbation_weights_accuracy", [p, weightPerturbations.count, r], axes: ["perturbation_N", "strength", "trial"]),
                MetricSpec("perturbation_tau_strength", [tauPerturbations.count], axes: ["strength"]),
                MetricSpec("perturbation_tau_accuracy", [p, tauPerturbations.count, r], axes: ["perturbation_N", "strength", "trial"]),
            ]
        }
        return specs
    }

    init(_ c: TimescalesConfig) {
        specs = Self.specs(c)
        var values: [String: [Double]] = [:]
        for spec in specs { values[spec.name] = [Double](repeating: .nan, count: spec.elementCount) }
        if c.analyses.contains(.perturbation) {
            values["perturbation_weights_strength"] = Self.weightPerturbations
            values["perturbation_tau_strength"] = Self.tauPerturbations
        }
        self.values = values
    }

    /// Writes `row` at position `index` of the first axis of `name`.
    mutating func set(_ name: String, row index: Int, _ row: [Double]) {
        let stride = row.count
        precondition(values[name] != nil && (index + 1) * stride <= values[name]!.count, "no row \(index) of \(name)")
        values[name]!.replaceSubrange((index * stride)..<((index + 1) * stride), with: row)
    }

    mutating func set(_ name: String, _ value: Double) {
        precondition(values[name]?.count == 1, "\(name) is not a scalar")
        values[name]![0] = value
    }

    // MARK: Checkpoints

    func store(in state: inout ExperimentState) {
        for (name, array) in values { state["results/" + name] = .double(array) }
    }

    /// The arrays of a checkpoint; throws unless every one is there with its size.
    mutating func load(from state: ExperimentState) throws(ExperimentStateError) {
        for spec in specs {
            values[spec.name] = try state.doubles("results/" + spec.name, count: spec.elementCount)
        }
    }
}
