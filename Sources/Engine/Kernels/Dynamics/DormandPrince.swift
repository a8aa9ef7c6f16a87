import Foundation

/// The Dormand-Prince 5(4) embedded Runge-Kutta method with adaptive steps, in Double, for small
/// ODE systems ẏ = f(t, y) sampled on a uniform grid (the chaotic attractors behind the synthetic
/// data sets). Steps are shortened to land exactly on every sample time, so the samples are the
/// fifth-order solution itself (no interpolation). The error control is the standard one
/// (Hairer, Nørsett, Wanner, Solving ODEs I, II.4): the root mean square over components of the
/// embedded error estimate over atol + rtol max(|y|, |y_new|) must be <= 1.
public struct DormandPrince {
    public let dimension: Int
    public var relativeTolerance: Double
    public var absoluteTolerance: Double
    /// Steps taken and rejected by the last `sample` call.
    public private(set) var acceptedSteps = 0, rejectedSteps = 0

    public init(dimension: Int, relativeTolerance: Double, absoluteTolerance: Double) {
        precondition(dimension > 0 && relativeTolerance > 0 && absoluteTolerance > 0)
        self.dimension = dimension
        self.relativeTolerance = relativeTolerance
        self.absoluteTolerance = absoluteTolerance
    }

    public struct StepFailure: Error, CustomStringConvertible {
        public var time: Double
        public var description: String { "the integration could not proceed at t = \(time) (step size underflow or a non-finite state)" }
    }

    // Butcher tableau of DOPRI5.
    static let c: [Double] = [0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1]
    static let a: [[Double]] = [
        [],
        [1.0 / 5],
        [3.0 / 40, 9.0 / 40],
        [44.0 / 45, -56.0 / 15, 32.0 / 9],
        [19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729],
        [9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656],
        [35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84],
    ]
    /// Fifth-order weights (the last row of a) minus the fourth-order ones: the error estimate.
    static let errorWeights: [Double] = [71.0 / 57600, 0, -71.0 / 16695, 71.0 / 1920, -17253.0 / 339200, 22.0 / 525, -1.0 / 40]

    /// Integrates from (t0, y0) and writes y(t0 + k·interval) for k = 0 ..< count into
    /// `output` [count, dimension]. `initialStep` is the first step tried.
    public mutating func sample(_ f: (Double, UnsafePointer<Double>, UnsafeMutablePointer<Double>) -> Void,
                                from t0: Double, initial y0: [Double], interval: Double, count: Int,
                                initialStep: Double, into output: UnsafeMutablePointer<Double>) throws(StepFailure) {
        precondition(y0.count == dimension && interval > 0 && count >= 1)
        let d = dimension
        // stages [7, d] (k_0 ... k_6), y, the trial input of each stage, the step's result.
        let stages = UnsafeMutablePointer<Double>.allocate(capacity: 7 * d)
        let y = UnsafeMutablePointer<Double>.allocate(capacity: d), trial = UnsafeMutablePointer<Double>.allocate(capacity: d)
        defer { stages.deallocate(); y.deallocate(); trial.deallocate() }
        for i in 0..<d { y[i] = y0[i]; output[i] = y0[i] }
        acceptedSteps = 0; rejectedSteps = 0
        var t = t0, h = min(initialStep, interval)
        // First-same-as-last: the last stage of an accepted step is the first of the next.
        f(t, y, stages)
        for sampleIndex in 1..<max(count, 1) {
            let target = t0 + Double(sampleIndex) * interval
            while t < target {
                let remaining = target - t
                // Land on the sample time: stretch a step that would leave a sliver, shorten one that overshoots.
                let landing = h * 1.01 >= remaining
                let step = landing ? remaining : h
                guard step > abs(t) * 1e-15, step.isFinite else { throw StepFailure(time: t) }
                for s in 1..<7 {
                    let row = Self.a[s]
                    for i in 0..<d {
                        var sum = 0.0
                        for j in 0..<s { sum += row[j] * stages[j * d + i] }
                        trial[i] = y[i] + step * sum
                    }
                    f(s == 6 ? t + step : t + Self.c[s] * step, trial, stages + s * d)
                }
                // The sixth stage's input is the fifth-order solution (its weights are the last row of a).
                var errorSquares = 0.0
                for i in 0..<d {
                    var estimate = 0.0
                    for j in 0..<7 { estimate += Self.errorWeights[j] * stages[j * d + i] }
                    let scale = absoluteTolerance + relativeTolerance * max(abs(y[i]), abs(trial[i]))
                    let ratio = step * estimate / scale
                    errorSquares += ratio * ratio
                }
                let error = (errorSquares / Double(d)).squareRoot()
                guard error.isFinite else {
                    rejectedSteps += 1
                    h = step * 0.2
                    continue
                }
                let factor = error == 0 ? 5 : min(5, max(0.2, 0.9 * pow(error, -0.2)))
                if error <= 1 {
                    t = landing ? target : t + step
                    y.update(from: trial, count: d)
                    stages.update(from: stages + 6 * d, count: d)
                    acceptedSteps += 1
                    // A shortened landing step says nothing about the natural step size: keep h.
                    if !landing || step >= h { h = step * factor }
                } else {
                    rejectedSteps += 1
                    h = step * factor
                }
            }
            let row = output + sampleIndex * d
            for i in 0..<d {
                guard y[i].isFinite else { throw StepFailure(time: t) }
                row[i] = y[i]
            }
        }
    }
}
