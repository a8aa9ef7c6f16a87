import Foundation

/// The chaotic systems of the data sets, as dysts 0.1 defines them (dysts/flows.py and
/// dysts/data/chaotic_attractors.json: equations, parameters, initial conditions, dominant
/// periods, and the integration step dysts starts from). One long trajectory is integrated from
/// the stored initial condition, with no transient discarded, and sampled every
/// period / pts_per_period (docs/families/latent_dynamics.md, "Data").
enum ChaoticSystem {
    /// The delay embedding of Mackey-Glass (dysts' default d = 10).
    static let delayEmbedding = 10
    static let mackeyGlassPeriod = 7.43264
    /// dysts' Euler step for Mackey-Glass.
    static let mackeyGlassStep = 0.001243

    /// An ODE system: ẏ = f(y), its initial condition, dominant period and first step.
    struct Flow {
        var initialCondition: [Double]
        var period: Double
        var firstStep: Double
        var field: (UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void
    }

    static func flow(_ kind: ChaoticSystemKind) -> Flow? {
        switch kind {
        case .arneodo:
            let (a, b, c, d) = (-5.5, 4.5, 1.0, -1.0)
            return Flow(initialCondition: [-2.7515698, 0.19079818, 3.4703629], period: 3.1641, firstStep: 0.001215) { y, f in
                f[0] = y[1]
                f[1] = y[2]
                f[2] = -a * y[0] - b * y[1] - c * y[2] + d * y[0] * y[0] * y[0]
            }
        case .lorenz:
            let (beta, rho, sigma) = (2.667, 28.0, 10.0)
            return Flow(initialCondition: [-9.7869288, -15.03852, 20.533978], period: 1.5008, firstStep: 0.0001801) { y, f in
                f[0] = sigma * (y[1] - y[0])
                f[1] = y[0] * (rho - y[2]) - y[1]
                f[2] = y[0] * y[1] - beta * y[2]
            }
        case .rossler:
            let (a, b, c) = (0.2, 0.2, 5.7)
            return Flow(initialCondition: [6.5134412, 0.4772013, 0.34164294], period: 5.9086, firstStep: 0.0007563) { y, f in
                f[0] = -y[1] - y[2]
                f[1] = y[0] + a * y[1]
                f[2] = b + y[2] * (y[0] - c)
            }
        case .mackeyGlass:
            return nil
        }
    }

    struct IntegrationFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// `count` samples [count, D] of the system's trajectory, `pointsPerPeriod` per period: the
    /// sample times are linspace(0, period · count / pointsPerPeriod, count), as dysts'
    /// make_trajectory(resample=True) lays them out. `seed` draws the initial history of the
    /// delay equation.
    static func trajectory(_ kind: ChaoticSystemKind, count: Int, pointsPerPeriod: Int, tolerance: Double,
                           seed: Int) throws -> [Double] {
        guard let flow = flow(kind) else {
            return try mackeyGlass(count: count, pointsPerPeriod: pointsPerPeriod, seed: seed)
        }
        let d = flow.initialCondition.count
        let duration = flow.period * Double(count) / Double(pointsPerPeriod)
        let interval = count > 1 ? duration / Double(count - 1) : duration
        var samples = [Double](repeating: 0, count: count * d)
        var integrator = DormandPrince(dimension: d, relativeTolerance: tolerance, absoluteTolerance: tolerance)
        do {
            try samples.withUnsafeMutableBufferPointer { output in
                try integrator.sample({ _, y, f in flow.field(y, f) }, from: 0, initial: flow.initialCondition,
                                      interval: interval, count: count, initialStep: flow.firstStep, into: output.baseAddress!)
            }
        } catch {
            throw IntegrationFailure(description: "\(kind.rawValue): \(error)")
        }
        return samples
    }

    /// Mackey-Glass, ẋ = β x_τ / (1 + x_τ^n) − γ x with β 2, γ 1, n 9.65, τ 2, by dysts'
    /// DynSysDelay.make_trajectory: fixed-step Euler (dt 0.001243) against a ring of the last
    /// ⌈τ/dt⌉ + 1 values, started from a history of x0 (1 + 0.2 u), u ~ U(0, 1) (dysts seeds
    /// numpy's global generator; here the stream of `seed`), saved on a grid of integer steps,
    /// then embedded in 10 dimensions at a stride of ⌊(saved / steps) ⌈τ/dt⌉⌋ samples after
    /// dropping the first ⌈⌈τ/dt⌉ / (steps / saved)⌉ samples.
    static func mackeyGlass(count: Int, pointsPerPeriod: Int, seed: Int) throws -> [Double] {
        let (beta, gamma, exponent, tau) = (2.0, 1.0, 9.65, 2.0)
        let dt = mackeyGlassStep, d = delayEmbedding, x0 = 0.76980123
        let memory = Int((tau / dt).rounded(.up))
        var steps = Int((mackeyGlassPeriod / dt * Double(count) / Double(pointsPerPeriod)).rounded(.up))
        let clipping = Int((Double(memory) / (Double(steps) / Double(count))).rounded(.up))
        let saved = count + (d + 1) * clipping
        steps += (d + 1) * memory
        let stride = Int(Double(saved) / Double(steps) * Double(memory))
        guard stride >= 1, steps >= saved, clipping + (d - 1) * stride + count <= saved else {
            throw IntegrationFailure(description: "mackey_glass: pts_per_period \(pointsPerPeriod) leaves no room for the delay embedding")
        }
        // ring[(i − 1) mod M] is the delayed value x_τ of step i (dysts pops its deque's oldest entry).
        let ringSize = memory + 1
        var stream = RandomStream(seed: seed, purpose: LatentStream.delayHistory)
        var history = [Double](repeating: 0, count: ringSize)
        for j in 0..<ringSize { history[j] = x0 * (1 + 0.2 * stream.nextUniform()) }
        var ring = [Double](repeating: 0, count: ringSize)
        for j in 0..<ringSize { ring[j] = history[ringSize - 1 - j] }
        var series = [Double](repeating: 0, count: saved)
        series[0] = x0
        var x = x0, nextSave = 1
        // Sample k is saved after step ⌊k · steps / (saved − 1)⌋ (numpy's linspace(0, steps, saved) as integers).
        func saveStep(_ k: Int) -> Int { Int(Double(k) * Double(steps) / Double(saved - 1)) }
        var nextSaveStep = saveStep(1)
        for i in 1..<steps {
            let slot = (i - 1) % ringSize
            let delayed = ring[slot]
            x += (beta * delayed / (1 + pow(delayed, exponent)) - gamma * x) * dt
            ring[slot] = x
            if i == nextSaveStep && nextSave < saved {
                series[nextSave] = x
                nextSave += 1
                nextSaveStep = saveStep(nextSave)
            }
        }
        guard x.isFinite else { throw IntegrationFailure(description: "mackey_glass: the Euler integration diverged") }
        var samples = [Double](repeating: 0, count: count * d)
        for j in 0..<count {
            for i in 0..<d { samples[j * d + i] = series[clipping + i * stride + j] }
        }
        return samples
    }
}
