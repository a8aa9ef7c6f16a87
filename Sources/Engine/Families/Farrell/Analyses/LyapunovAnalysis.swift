/// Lyapunov spectrum of the autonomous (zero-input) network by the QR method (docs/families/farrell-spec.md D.4),
/// at the epochs in `lyap_epochs` (-1 = final), from seeded initial conditions U(−0.2, 0.2) — the
/// same initial conditions at every epoch. Exponents in bits per time step, descending.
///   lyap [epochs, k], lyap_sem, lyap_epochs, lyap_steps, lyap_num_ics [epochs]
final class LyapunovAnalysis: CheckpointAnalysis {
    let requested: [Int]        // resolved epochs
    let exponents: Int
    var spectra: ResultArray, sem: ResultArray, steps: ResultArray, initialConditions: ResultArray
    let settings: LyapunovSettings
    var spectrum: LyapunovSpectrum?
    var latest = ResultAtWeights<LyapunovResult>()

    static func results(_ c: FarrellConfig) -> [MetricSpec] {
        let n = c.lyap_epochs.count
        return [MetricSpec("lyap", [n, c.lyap_exponents], axes: ["lyap_epoch", "exponent"]),
                MetricSpec("lyap_sem", [n], axes: ["lyap_epoch"]),
                MetricSpec("lyap_epochs", [n], axes: ["lyap_epoch"]),
                MetricSpec("lyap_steps", [n], axes: ["lyap_epoch"]),
                MetricSpec("lyap_num_ics", [n], axes: ["lyap_epoch"])]
    }

    init(_ c: FarrellConfig, task: any ClassificationTask) {
        requested = c.lyap_epochs.map { $0 < 0 ? c.num_epochs : $0 }
        exponents = c.lyap_exponents
        spectra = ResultArray(count: requested.count * exponents)
        sem = ResultArray(count: requested.count)
        steps = ResultArray(count: requested.count)
        initialConditions = ResultArray(count: requested.count)
        settings = LyapunovSettings(maxSteps: c.lyap_max_steps, stepTolerance: c.lyap_step_tolerance,
                                    maxInitialConditions: c.lyap_max_ics,
                                    minimumInitialConditions: min(4, c.lyap_max_ics))
    }

    func visit(_ checkpoint: Checkpoint, _ context: AnalysisContext) throws {
        guard let epoch = checkpoint.epochBoundary else { return }
        let slots = requested.indices.filter { requested[$0] == epoch }
        guard !slots.isEmpty else { return }
        let c = context.config, n = c.N
        guard let dynamics = context.network.cell.autonomousDynamics() else { return }
        if spectrum == nil { spectrum = try LyapunovSpectrum(dimension: n, exponents: exponents, settings: settings) }
        let seed = c.seed, spectrum = spectrum!
        // The same initial conditions at every epoch: unchanged weights give the same spectrum.
        let result = try latest.value(at: context.network.parameters.version) {
            try spectrum.compute(dynamics: dynamics) { index, state in
                var stream = RandomStream(seed: seed, purpose: FarrellStream.lyapunovInitialConditions, index: UInt64(index))
                for unit in 0..<n { state[unit] = 0.4 * stream.nextUniform() - 0.2 }
            }
        }
        for slot in slots {
            for i in 0..<exponents { spectra[slot * exponents + i] = result.exponents[i] }
            sem[slot] = result.standardError
            steps[slot] = Double(result.totalSteps)
            initialConditions[slot] = Double(result.initialConditions)
        }
    }

    func collect(into results: inout [String: [Double]]) {
        results["lyap"] = spectra.values
        results["lyap_sem"] = sem.values
        results["lyap_epochs"] = requested.map(Double.init)
        results["lyap_steps"] = steps.values
        results["lyap_num_ics"] = initialConditions.values
    }
}
