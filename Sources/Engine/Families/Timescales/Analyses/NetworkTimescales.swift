import Foundation

/// The milestone analyses of analysis/timescales (τ_net) and analysis/network_dynamics (PCA):
/// the network, without readout, driven by `tau_net_trials` trials of `tau_net_steps` bits, one
/// Bernoulli(p), p ~ U(0,1), per trial, from h_0 = 0.1 U(0,1); the first `tau_net_burn_in`
/// states dropped. Streamed, so that the 10^5-step trials are never kept:
///   τ_net  per neuron, the autocorrelation of lags 0 … fit_lags (mean-subtracted, lag k divided
///          by n − 1 − k as the reference's FFT code does, averaged over trials, normalised by lag 0)
///          fitted by one and two exponentials (a <= 1, τ <= 100), the better by AIC;
///   population AC  the same estimator on the summed activity, lags 0 … ac_lags − 1;
///   PCA    per trial, the explained-variance ratios and the dimension (first component whose
///          cumulative ratio exceeds pca_threshold, counted from 0).
///   states [trials, H], inputs [trials], population [trials]
final class NetworkTimescales {
    let config: TimescalesConfig
    let network: TimescaleNetwork
    let trials: Int, hidden: Int
    let current, next, drive: UnsafeMutablePointer<Float>
    let inputs: UnsafeMutablePointer<Float>
    let population: UnsafeMutablePointer<Double>
    let neuronCovariance: LaggedAutocovariance?
    let populationCovariance: LaggedAutocovariance?
    let covariances: [StreamingCovariance]

    /// The fits' bounds (analysis/timescales/timescales_utils.py).
    static let maxAmplitude = 1.0, maxTimescale = 100.0
    /// The normalised autocorrelation of every neuron at the last analysis, [H, fit_lags + 1]
    /// (the differential trace compares fits on it).
    private(set) var autocorrelations: [Double] = []

    init(config: TimescalesConfig, network: TimescaleNetwork) {
        self.config = config
        self.network = network
        trials = config.tau_net_trials
        hidden = config.hidden_size
        current = .allocate(capacity: trials * hidden)
        next = .allocate(capacity: trials * hidden)
        drive = .allocate(capacity: trials * hidden)
        inputs = .allocate(capacity: trials)
        population = .allocate(capacity: trials)
        let timescales = config.analyses.contains(.timescales)
        neuronCovariance = timescales ? LaggedAutocovariance(series: trials * hidden, lags: config.fit_lags + 1) : nil
        populationCovariance = timescales ? LaggedAutocovariance(series: trials, lags: config.ac_lags) : nil
        covariances = config.analyses.contains(.dimensionality)
            ? (0..<trials).map { _ in StreamingCovariance(dimension: config.hidden_size) } : []
    }

    deinit {
        current.deallocate(); next.deallocate(); drive.deallocate(); inputs.deallocate(); population.deallocate()
    }

    /// Simulates the network as it is and writes the results of N (row `q` of the per-N arrays).
    func analyse(n: Int, row q: Int, into results: inout TimescalesResults) throws {
        simulate(n: n)
        if let neuronCovariance, let populationCovariance {
            writeTimescales(neuronCovariance, populationCovariance, row: q, into: &results)
        }
        if !covariances.isEmpty {
            var dimensions: [Double] = [], meanRatios = [Double](repeating: 0, count: hidden)
            for covariance in covariances {
                let ratios = try covariance.explainedVarianceRatios()
                dimensions.append(StreamingCovariance.dimension(ratios: ratios, threshold: config.pca_threshold))
                for i in 0..<hidden { meanRatios[i] += ratios[i] / Double(trials) }
            }
            results.set("pca_dimension", row: q, dimensions)
            results.set("pca_explained_variance", row: q, meanRatios)
        }
    }

    private func simulate(n: Int) {
        neuronCovariance?.reset(); populationCovariance?.reset()
        for covariance in covariances { covariance.reset() }
        var stream = RandomStream(seed: config.seed, purpose: TimescalesStream.simulation, index: UInt64(n))
        let probabilities = (0..<trials).map { _ in stream.nextUniform() }
        BitSequences.drawInitialStates(count: trials * hidden, stream: &stream, into: current)
        let recurrence = network.recurrence
        recurrence.prepare()
        var state = current, following = next
        if config.tau_net_burn_in == 0 { record(state) }
        for s in 1...config.tau_net_steps {
            for r in 0..<trials { inputs[r] = stream.nextUniform() < probabilities[r] ? 1 : 0 }
            recurrence.step(input: inputs, batch: trials, state: state, next: following, drive: drive)
            swap(&state, &following)
            if s >= config.tau_net_burn_in { record(state) }
        }
    }

    /// One recorded state [trials, H] into every accumulator.
    private func record(_ state: UnsafePointer<Float>) {
        neuronCovariance?.append(state)
        if let populationCovariance {
            for r in 0..<trials {
                var sum = 0.0
                for i in 0..<hidden { sum += Double(state[r * hidden + i]) }
                population[r] = sum
            }
            populationCovariance.append(UnsafePointer(population))
        }
        for (r, covariance) in covariances.enumerated() { covariance.append(state + r * hidden) }
    }

    /// The trial mean of S_k / (n − 1 − k) (the reference's divisor) of each series, [lags, series / trials].
    private func trialMeanAutocovariance(_ covariance: LaggedAutocovariance) -> [Double] {
        let sums = covariance.sums(), n = covariance.count, lags = covariance.lags
        let width = covariance.series / trials
        var mean = [Double](repeating: 0, count: lags * width)
        for k in 0..<lags {
            let divisor = Double(n - 1 - k)
            for r in 0..<trials {
                for j in 0..<width { mean[k * width + j] += sums[k * covariance.series + r * width + j] / divisor / Double(trials) }
            }
        }
        return mean
    }

    private func writeTimescales(_ neurons: LaggedAutocovariance, _ populationAC: LaggedAutocovariance,
                                 row q: Int, into results: inout TimescalesResults) {
        let ac = trialMeanAutocovariance(neurons), lags = neurons.lags
        var tauNet = [Double](repeating: .nan, count: hidden), models = tauNet
        var single = [Double](repeating: .nan, count: 2 * hidden), double = [Double](repeating: .nan, count: 4 * hidden)
        var aic = [Double](repeating: .nan, count: 2 * hidden)
        autocorrelations = [Double](repeating: .nan, count: hidden * lags)
        for j in 0..<hidden {
            let y = (0..<lags).map { ac[$0 * hidden + j] / ac[j] }
            autocorrelations.replaceSubrange((j * lags)..<((j + 1) * lags), with: y)
            let fit = ExponentialDecayFit.compare(y, maxAmplitude: Self.maxAmplitude, maxTimescale: Self.maxTimescale,
                                                  maxEvaluations: config.fit_max_evaluations)
            tauNet[j] = fit.timescale
            models[j] = fit.model.map(Double.init) ?? .nan
            single.replaceSubrange((2 * j)..<(2 * j + 2), with: fit.single)
            double.replaceSubrange((4 * j)..<(4 * j + 4), with: fit.double)
            aic[2 * j] = fit.singleAIC; aic[2 * j + 1] = fit.doubleAIC
        }
        results.set("tau_net", row: q, tauNet)
        results.set("tau_net_model", row: q, models)
        results.set("fit_single", row: q, single)
        results.set("fit_double", row: q, double)
        results.set("fit_aic", row: q, aic)
        // The figures keep the neurons with τ_net > 1.
        let kept = tauNet.filter { $0 > 1 }
        let (mean, deviation) = Self.meanAndDeviation(kept)
        results.set("tau_net_mean", row: q, [mean])
        results.set("tau_net_std", row: q, [deviation])
        results.set("population_ac", row: q, trialMeanAutocovariance(populationAC))
    }

    /// Mean and standard deviation (normalised by n, as numpy's std) of `values`; NaN when empty.
    static func meanAndDeviation(_ values: [Double]) -> (Double, Double) {
        guard !values.isEmpty else { return (.nan, .nan) }
        let mean = values.reduce(0, +) / Double(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }
}
