import Foundation

/// One synthetic data set, a pure function of its parameters and `data_seed` (the reference's
/// ChaoticDataModule.prepare_data): one trajectory of S·T samples of the system, a random readout
/// C [D, n] with entries U(−0.5, 0.5) and its columns sorted by their first row, activity z C
/// z-scored per neuron over the whole trajectory, rates e^activity, Poisson spikes, cut into S
/// consecutive trials of T bins and split into train, valid and test trials at random.
///   latents [S, T, D], rates and spikes [S, T, n] (Float32, as the reference's tensors)
public final class SpikingDataset: Sendable {
    public let trials: Int, bins: Int, neurons: Int, latentDimension: Int
    public let latents: [Float]
    public let rates: [Float]
    public let spikes: [Float]
    /// C [D, n] after sorting.
    public let readout: [Double]
    /// Trial indices of each split.
    public let train: [Int], valid: [Int], test: [Int]

    /// The parameters that determine a data set (its cache key).
    public struct Key: Hashable, Sendable {
        var system: ChaoticSystemKind
        var neurons: Int, seed: Int, trials: Int, bins: Int, pointsPerPeriod: Int
        var tolerance: Double

        init(_ c: LatentDynamicsConfig) {
            system = c.system; neurons = c.obs_dim; seed = c.data_seed; trials = c.n_samples; bins = c.n_timesteps
            pointsPerPeriod = c.pts_per_period
            tolerance = c.system == .mackeyGlass ? 0 : c.integration_tolerance
        }
    }

    init(_ c: LatentDynamicsConfig) throws {
        let s = c.n_samples, t = c.n_timesteps, n = c.obs_dim, d = c.systemDimension, total = s * t
        trials = s; bins = t; neurons = n; latentDimension = d
        let trajectory = try ChaoticSystem.trajectory(c.system, count: total, pointsPerPeriod: c.pts_per_period,
                                                      tolerance: c.integration_tolerance, seed: c.data_seed)
        // Readout, columns sorted by their first row.
        var stream = RandomStream(seed: c.data_seed, purpose: LatentStream.readout)
        var drawn = [Double](repeating: 0, count: d * n)
        for i in 0..<(d * n) { drawn[i] = stream.nextUniform() - 0.5 }
        let order = (0..<n).sorted { drawn[$0] < drawn[$1] || (drawn[$0] == drawn[$1] && $0 < $1) }
        var readout = [Double](repeating: 0, count: d * n)
        for row in 0..<d { for (column, source) in order.enumerated() { readout[row * n + column] = drawn[row * n + source] } }
        self.readout = readout

        // Activity z C, z-scored per neuron (population standard deviation), rates e^z.
        var activity = [Double](repeating: 0, count: total * n)
        trajectory.withUnsafeBufferPointer { z in
            readout.withUnsafeBufferPointer { r in
                activity.withUnsafeMutableBufferPointer { a in
                    BLAS.gemm(m: total, n: n, k: d, z.baseAddress!, r.baseAddress!, beta: 0, a.baseAddress!)
                }
            }
        }
        for column in 0..<n {
            var mean = 0.0
            for i in 0..<total { mean += activity[i * n + column] }
            mean /= Double(total)
            var variance = 0.0
            for i in 0..<total { variance += (activity[i * n + column] - mean) * (activity[i * n + column] - mean) }
            let deviation = (variance / Double(total)).squareRoot()
            for i in 0..<total { activity[i * n + column] = (activity[i * n + column] - mean) / deviation }
        }
        var spikeStream = RandomStream(seed: c.data_seed, purpose: LatentStream.spikes)
        var rates = [Float](repeating: 0, count: total * n), spikes = [Float](repeating: 0, count: total * n)
        for i in 0..<(total * n) {
            let rate = exp(activity[i])
            rates[i] = Float(rate)
            spikes[i] = Float(spikeStream.nextPoisson(rate))
        }
        self.rates = rates
        self.spikes = spikes
        latents = trajectory.map { Float($0) }

        // Split: test first, then valid out of the rest.
        let sizes = c.splitSizes
        var splitStream = RandomStream(seed: c.data_seed, purpose: LatentStream.split)
        var permutation = Array(0..<s)
        splitStream.shuffle(&permutation)
        test = Array(permutation[0..<sizes.test])
        var rest = Array(permutation[sizes.test...])
        splitStream.shuffle(&rest)
        valid = Array(rest[0..<sizes.valid])
        train = Array(rest[sizes.valid...])
    }

    /// Copies the bins of `trialIndices` into a time-major buffer [T, B, width] from a
    /// trial-major array [S, T, width].
    static func gather(_ source: [Float], width: Int, bins: Int, trials trialIndices: some Collection<Int>,
                       into destination: UnsafeMutablePointer<Float>) {
        let batch = trialIndices.count
        source.withUnsafeBufferPointer { values in
            for (b, trial) in trialIndices.enumerated() {
                for t in 0..<bins {
                    (destination + (t * batch + b) * width).update(from: values.baseAddress! + (trial * bins + t) * width, count: width)
                }
            }
        }
    }
}

/// The data sets of one process: a data set is built once per rank and reused by every trial of
/// that rank that needs it (trials that differ only in their model seed or decoder share one).
public enum DatasetCache {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [(key: SpikingDataset.Key, dataset: SpikingDataset)] = []
    /// Data sets kept (the most recently used). A sweep's trials are handed out most expensive
    /// first, which groups them by size rather than by data set; two cover a sweep over two data
    /// sets without rebuilding, and a 100-neuron data set holds about 120 MB.
    static let capacity = 2

    /// The data set of `config`, built on first use (under the lock: two threads of one process
    /// never build the same one twice).
    static func dataset(for config: LatentDynamicsConfig) throws -> SpikingDataset {
        let key = SpikingDataset.Key(config)
        lock.lock()
        defer { lock.unlock() }
        if let index = entries.firstIndex(where: { $0.key == key }) {
            let entry = entries.remove(at: index)
            entries.append(entry)
            return entry.dataset
        }
        let dataset = try SpikingDataset(config)
        entries.append((key, dataset))
        if entries.count > capacity { entries.removeFirst() }
        return dataset
    }

    /// Forgets every data set (tests).
    static func removeAll() {
        lock.lock()
        entries.removeAll()
        lock.unlock()
    }
}
