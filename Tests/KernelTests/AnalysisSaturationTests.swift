import Kernels
import Testing

@Suite struct SaturationTests {
    @Test func tanhSlopeAndSaturatedFraction() {
        // Two layers of 2 samples x 3 units, stored as [samples, layers, units] and read with a stride.
        let states: [Float] = [0, 0.5, -0.995,    0.2, 0.2, 0.2,
                               1, -0.98, 0.999,   0.2, 0.2, 0.2]
        let values: [Double] = [0, 0.5, -0.995, 1, -0.98, 0.999].map { Double(Float($0)) }
        let expectedSlope = values.reduce(0) { $0 + 1 - $1 * $1 } / 6
        var output = [Double](repeating: 0, count: 4)
        states.withUnsafeBufferPointer { base in
            Saturation(nonlinearity: .tanh).compute(layers: [ActivityMatrix(base.baseAddress!, rows: 2, columns: 3, rowStride: 6),
                                                             ActivityMatrix(base.baseAddress! + 3, rows: 2, columns: 3, rowStride: 6)],
                                                    into: &output)
        }
        #expect(abs(output[0] - expectedSlope) < 1e-12)
        #expect(abs(output[1] - (1 - 0.04)) < 1e-7)
        #expect(output[2] == 3.0 / 6)    // −0.995, 1, 0.999 are beyond 0.99; −0.98 is not
        #expect(output[3] == 0)
    }

    @Test func reluCountsExactZerosAndLinearHasNoSaturation() {
        let states: [Float] = [0, 2, 0, 3, 0.5, 0]
        let (reluSlope, reluFraction) = states.withUnsafeBufferPointer {
            Saturation(nonlinearity: .relu).measure(ActivityMatrix($0.baseAddress!, rows: 2, columns: 3))
        }
        #expect(reluSlope == 0.5 && reluFraction == 0.5)
        let (linearSlope, linearFraction) = states.withUnsafeBufferPointer {
            Saturation(nonlinearity: .linear).measure(ActivityMatrix($0.baseAddress!, rows: 2, columns: 3))
        }
        #expect(linearSlope == 1 && linearFraction.isNaN)
    }
}
