import Foundation

/// The cost of a trial, counted from the shapes: floating-point operations (the matrix products and
/// the analyses' accumulations) and a time model in CPU seconds.
///
/// How many epochs each N takes depends on the training itself; the estimate follows the
/// reference's shipped logs (default model, H 500, parity, 600 minibatches of 256 per epoch): the
/// cumulative curriculum takes about 1.1 epochs per N, the single-head one 1 epoch per N up to N 6
/// and then about 0.6 (N − 5) (100 epochs to N 20); sliding is counted as cumulative. An epoch of
/// fewer sequences teaches less: the epochs per N grow as (153,600 / sequences per epoch)^α, with
/// α = 0.32 (cumulative) and 0.54 (single-head) from `sweeps/timescales_quick.json` (H 64,
/// 200 minibatches of 32: 21 and 47 epochs to N 8 where the full-size rule gives 7.7 and 8.6).
extension TimescalesConfig {
    /// Mean sequence length when the newest N is `n`: M ~ U{n + 2 … 4n + 1}.
    func meanLength(_ n: Int) -> Double { Double(5 * n + 3) / 2 }

    /// One training step (forward, backward: three H x H products per step of B sequences) and
    /// one test minibatch (forward) at newest N.
    func stepFLOPs(_ n: Int) -> (training: Double, test: Double) {
        let b = Double(batch_size), h = Double(hidden_size), m = meanLength(n)
        let perStep = 2 * b * h * h + 12 * b * h
        return (3 * perStep * m, perStep * m)
    }

    /// Epochs the curriculum spends at newest N (the estimate above).
    func estimatedEpochs(atN n: Int) -> Double {
        let referenceSequences = 600.0 * 256, sequences = Double(train_steps) * Double(batch_size)
        let slower = sequences < referenceSequences ? referenceSequences / sequences : 1
        switch curriculum {
        case .cumulative, .sliding: return 1.1 * pow(slower, 0.32)
        case .single: return (n <= 6 ? 1 : 0.6 * Double(n - 5)) * pow(slower, 0.54)
        }
    }

    /// The Ns the curriculum is estimated to reach and the epochs it spends at each, within
    /// `max_epochs`.
    func estimatedSchedule() -> [(n: Int, epochs: Double)] {
        var schedule: [(n: Int, epochs: Double)] = [], epochs = 0.0
        var n = Curriculum(self).newest
        let step = curriculum == .single ? 1 : (curriculum == .cumulative ? add_heads : forget_heads)
        while n <= n_max && epochs < Double(max_epochs) {
            let spent = min(estimatedEpochs(atN: n), Double(max_epochs) - epochs)
            schedule.append((n, spent))
            epochs += spent
            n += step
        }
        return schedule
    }

    /// Steps of the network over all its simulated trials at one milestone: the τ_net and PCA
    /// simulation, and the accuracy streams of the ablation and perturbation analyses (averaged
    /// over the milestones, as they run at a few Ns only).
    func milestoneSimulatedSteps() -> (analysis: Double, accuracy: Double) {
        let analysis = simulates ? Double(tau_net_steps) * Double(tau_net_trials) : 0
        let stream = Double(accuracy_warmup + accuracy_steps) * Double(accuracy_trials)
        var accuracy = 0.0
        if analyses.contains(.ablation) { accuracy += Double(ablation_ns.count) * Double(1 + 2 * ablation_neurons) * stream }
        if analyses.contains(.perturbation) {
            let levels = Double(TimescalesResults.weightPerturbations.count + TimescalesResults.tauPerturbations.count)
            accuracy += Double(perturbation_ns.count) * levels * stream
        }
        return (analysis, accuracy / Double(milestoneCount))
    }

    /// The milestone analyses at one N.
    var milestoneFLOPs: Double {
        let h = Double(hidden_size), trials = Double(tau_net_trials)
        let (simulated, accuracy) = milestoneSimulatedSteps()
        var total = simulated * (2 * h * h + 12 * h) + accuracy * (2 * h * h + 8 * h)
        if simulates {
            let recorded = Double(recordedStates) * trials
            if analyses.contains(.timescales) { total += recorded * h * 2 * Double(fit_lags + 1) + recorded * 2 * Double(ac_lags) }
            if analyses.contains(.dimensionality) { total += recorded * h * h + trials * 9 * h * h * h }
        }
        return total
    }

    public var estimatedFLOPs: Double {
        estimatedSchedule().reduce(0) { total, entry in
            let (training, test) = stepFLOPs(entry.n)
            return total + entry.epochs * (Double(train_steps) * training + Double(test_batches) * test) + milestoneFLOPs
        }
    }

    /// Estimated CPU seconds of the trial on one core. The training step is its three H x H
    /// products per time step at `TimeModel.productRate` plus elementwise work per unit and time
    /// step (a test minibatch a third of both); a milestone's simulation costs per trial-step a
    /// matrix-vector product and the streamed autocovariances (`simulationPerSquare`,
    /// `simulationPerUnit`), the PCA's streamed covariance `dimensionalityPerSquare` more.
    public var estimatedSeconds: Double {
        let b = Double(batch_size), h = Double(hidden_size)
        let (simulated, accuracy) = milestoneSimulatedSteps()
        let perTrialStep = TimeModel.simulationPerSquare * h * h + TimeModel.simulationPerUnit * h
        var milestone = (simulated + accuracy) * perTrialStep
        if simulates && analyses.contains(.dimensionality) { milestone += simulated * TimeModel.dimensionalityPerSquare * h * h }
        return estimatedSchedule().reduce(0) { total, entry in
            let m = meanLength(entry.n)
            let trainingStep = 6 * b * h * h * m / TimeModel.productRate + TimeModel.elementwisePerUnitStep * b * h * m
            let epoch = Double(train_steps) * trainingStep + Double(test_batches) * trainingStep / 3
            return total + entry.epochs * epoch + milestone
        }
    }

    /// Rates of `estimatedSeconds`, fitted to `sweep-mpi bench timescales` (H 64–500, B 32–256,
    /// M 15–50: within 5 %) and to single milestones at H 64, 200 and 500, on the development
    /// machine (Zen 5) with OpenBLAS's AVX-512 kernels.
    enum TimeModel {
        static let productRate = 2.2e11
        static let elementwisePerUnitStep = 2.9e-9
        static let simulationPerSquare = 2.79e-11
        static let simulationPerUnit = 1.24e-8
        static let dimensionalityPerSquare = 1.66e-11
    }
}
