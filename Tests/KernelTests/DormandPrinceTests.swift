import Foundation
import Testing
@testable import Kernels

@Suite struct DormandPrinceTests {
    /// The harmonic oscillator ẍ = −ω² x from (1, 0): x = cos ωt, ẋ = −ω sin ωt at every sample,
    /// over 20 periods, to the tolerance asked.
    @Test(arguments: [1e-6, 1e-10])
    func harmonicOscillatorMatchesItsClosedForm(tolerance: Double) throws {
        let omega = 2.5, count = 400, interval = 0.31
        var integrator = DormandPrince(dimension: 2, relativeTolerance: tolerance, absoluteTolerance: tolerance)
        var output = [Double](repeating: 0, count: count * 2)
        try integrator.sample({ _, y, f in f[0] = y[1]; f[1] = -omega * omega * y[0] }, from: 0, initial: [1, 0],
                              interval: interval, count: count, initialStep: 0.01, into: &output)
        var worst = 0.0
        for k in 0..<count {
            let t = Double(k) * interval
            worst = max(worst, abs(output[2 * k] - cos(omega * t)), abs(output[2 * k + 1] + omega * sin(omega * t)) / omega)
        }
        // The global error grows with the number of steps; it stays within a few hundred tolerances.
        #expect(worst < 300 * tolerance, "max error \(worst)")
        #expect(worst > 0)
        // Tighter tolerance, more steps.
        #expect(integrator.acceptedSteps > count)
    }

    /// A time-dependent, non-autonomous equation: ẏ = −2 t y, y = e^{−t²}, started at t0 = 0.5.
    @Test func timeDependentEquationMatchesItsClosedForm() throws {
        var integrator = DormandPrince(dimension: 1, relativeTolerance: 1e-10, absoluteTolerance: 1e-12)
        var output = [Double](repeating: 0, count: 30)
        let t0 = 0.5
        try integrator.sample({ t, y, f in f[0] = -2 * t * y[0] }, from: t0, initial: [exp(-t0 * t0)], interval: 0.1,
                              count: 30, initialStep: 1, into: &output)
        for k in 0..<30 {
            let t = t0 + 0.1 * Double(k)
            #expect(abs(output[k] - exp(-t * t)) < 1e-9)
        }
        // The first step (1.0) was too large for the tolerance: rejected, then retried smaller.
        #expect(integrator.rejectedSteps > 0)
    }

    /// A blow-up (ẏ = y², y(0) = 1, infinite at t = 1) is reported, not returned as numbers.
    @Test func aSingularityIsAnError() {
        var integrator = DormandPrince(dimension: 1, relativeTolerance: 1e-8, absoluteTolerance: 1e-8)
        var output = [Double](repeating: 0, count: 20)
        #expect(throws: DormandPrince.StepFailure.self) {
            try integrator.sample({ _, y, f in f[0] = y[0] * y[0] }, from: 0, initial: [1], interval: 0.1, count: 20,
                                  initialStep: 0.01, into: &output)
        }
    }
}
