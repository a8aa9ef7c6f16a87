import Foundation

/// The reference's per-epoch validation metrics (paper_src/metrics.py, models.py _shared_step),
/// over the whole trial and its thirds (torch.chunk along time: ⌈T/3⌉, ⌈T/3⌉, the rest):
///   r2_observ: mean over neurons of the R² of the predicted rates e^ℓ against the true rates;
///   r2_latent: the affine least-squares map from the true latents to the inferred ones, then
///              the mean over the L inferred dimensions of its R², clamped below at −10.
/// Everything time-major: rates [T, V, n], latents [T, V, D] and [T, V, L]; sums in Double.
final class ValidationMetrics {
    /// The whole trial, then the early, middle and late thirds.
    static let parts = ["all", "early", "middle", "late"]
    static let latentFloor = -10.0

    let bins: Int, trials: Int, neurons: Int
    let ranges: [Range<Int>]
    let trueRates: UnsafeMutablePointer<Float>, trueLatents: UnsafeMutablePointer<Double>
    let predictedRates: UnsafeMutablePointer<Float>
    let regression: AffineRegression

    init(_ c: LatentDynamicsConfig, dataset: SpikingDataset) {
        bins = c.n_timesteps; trials = dataset.valid.count; neurons = c.obs_dim
        ranges = [0..<bins] + c.thirds
        let d = dataset.latentDimension
        trueRates = .allocate(capacity: bins * trials * neurons)
        SpikingDataset.gather(dataset.rates, width: neurons, bins: bins, trials: dataset.valid, into: trueRates)
        let latents = UnsafeMutablePointer<Float>.allocate(capacity: bins * trials * d)
        SpikingDataset.gather(dataset.latents, width: d, bins: bins, trials: dataset.valid, into: latents)
        trueLatents = .allocate(capacity: bins * trials * d)
        for i in 0..<(bins * trials * d) { trueLatents[i] = Double(latents[i]) }
        latents.deallocate()
        predictedRates = .allocate(capacity: bins * trials * neurons)
        regression = AffineRegression(regressors: d, targets: c.latent_size, maxRows: bins * trials)
    }

    deinit {
        trueRates.deallocate(); trueLatents.deallocate(); predictedRates.deallocate()
    }

    /// r2_observ and r2_latent [4] each of one validation forward pass (log-rates [T, V, n],
    /// inferred latents [T, V, L]).
    func evaluate(logRates: UnsafePointer<Float>, latents: UnsafePointer<Float>) -> (observ: [Double], latent: [Double]) {
        let n = neurons, v = trials, l = regression.targets, d = regression.regressors
        predictedRates.update(from: logRates, count: bins * v * n)
        exponentialInPlace(predictedRates, count: bins * v * n)
        var observ: [Double] = [], latent: [Double] = []
        for range in ranges {
            let rows = range.count * v
            observ.append(CoefficientOfDetermination.meanR2(predictions: UnsafePointer(predictedRates + range.lowerBound * v * n),
                                                            targets: UnsafePointer(trueRates + range.lowerBound * v * n),
                                                            rows: rows, columns: n))
            let r2 = regression.meanR2(x: trueLatents + range.lowerBound * v * d, y: latents + range.lowerBound * v * l, rows: rows)
            // torch.clamp_min keeps NaN.
            latent.append(r2.isNaN ? r2 : max(r2, Self.latentFloor))
        }
        return (observ, latent)
    }
}
