/// Floating-point operations of a trial, counted from the shapes (the matrix products and the
/// analyses' accumulations). How many epochs each N takes depends on the training itself; the
/// estimate follows the reference's shipped logs (default model, H 500, parity): the cumulative
/// curriculum takes about 1.1 epochs per N, the single-head one 1 epoch per N up to N 6 and then
/// about 0.6 (N − 5) (100 epochs to N 20); sliding is counted as cumulative.
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
        switch curriculum {
        case .cumulative, .sliding: 1.1
        case .single: n <= 6 ? 1 : 0.6 * Double(n - 5)
        }
    }

    /// The milestone analyses at one N.
    var milestoneFLOPs: Double {
        let h = Double(hidden_size), trials = Double(tau_net_trials)
        var total = 0.0
        if simulates {
            total += Double(tau_net_steps) * trials * (2 * h * h + 12 * h)
            let recorded = Double(recordedStates) * trials
            if analyses.contains(.timescales) { total += recorded * h * 2 * Double(fit_lags + 1) + recorded * 2 * Double(ac_lags) }
            if analyses.contains(.dimensionality) { total += recorded * h * h + trials * 9 * h * h * h }
        }
        let stream = Double(accuracy_warmup + accuracy_steps) * Double(accuracy_trials) * (2 * h * h + 8 * h)
        if analyses.contains(.ablation) { total += Double(ablation_ns.count) * Double(1 + 2 * ablation_neurons) * stream / Double(milestoneCount) }
        if analyses.contains(.perturbation) {
            let levels = Double(TimescalesResults.weightPerturbations.count + TimescalesResults.tauPerturbations.count)
            total += Double(perturbation_ns.count) * levels * stream / Double(milestoneCount)
        }
        return total
    }

    public var estimatedFLOPs: Double {
        var total = 0.0, epochs = 0.0
        var n = Curriculum(self).newest
        let step = curriculum == .single ? 1 : (curriculum == .cumulative ? add_heads : forget_heads)
        while n <= n_max && epochs < Double(max_epochs) {
            let spent = min(estimatedEpochs(atN: n), Double(max_epochs) - epochs)
            let (training, test) = stepFLOPs(n)
            total += spent * (Double(train_steps) * training + Double(test_batches) * test) + milestoneFLOPs
            epochs += spent
            n += step
        }
        if epochs < Double(max_epochs) && n <= n_max { return total }
        return total
    }
}
