/// Saturation of hidden units (farrell-spec.md D.8; the reference has no such analysis, this is our definition).
/// Per layer of hidden states h [M, N], over all samples and units:
/// - `meanSlope`: mean of φ'(a) read off h (tanh: 1 − h², relu: [h > 0], linear: 1);
/// - `saturatedFraction`: tanh: fraction with |h| > `threshold` (0.99); relu: fraction with h exactly 0
///   (the flat side, where no gradient passes); linear: NaN (a linear unit never saturates).
public struct Saturation: Sendable {
    public var nonlinearity: Nonlinearity
    /// |h| above which a tanh unit counts as saturated.
    public var threshold: Double

    public init(nonlinearity: Nonlinearity, threshold: Double = 0.99) {
        self.nonlinearity = nonlinearity
        self.threshold = threshold
    }

    /// (mean φ', saturated fraction) of one layer's states; NaN for an empty matrix.
    public func measure(_ states: ActivityMatrix) -> (meanSlope: Double, saturatedFraction: Double) {
        let count = states.rows * states.columns
        guard count > 0 else { return (.nan, .nan) }
        var slopeSum = 0.0, saturated = 0
        for row in 0..<states.rows {
            let values = states.base + row * states.rowStride
            for column in 0..<states.columns {
                let h = Double(values[column])
                slopeSum += nonlinearity.derivative(fromOutput: h)
                switch nonlinearity {
                case .tanh: if abs(h) > threshold { saturated += 1 }
                case .relu: if h == 0 { saturated += 1 }
                case .linear: break
                }
            }
        }
        let fraction = nonlinearity == .linear ? Double.nan : Double(saturated) / Double(count)
        return (slopeSum / Double(count), fraction)
    }

    /// Per layer of hidden states (no input layer): output [2, layers.count], row 0 mean φ', row 1 saturated fraction.
    public func compute(layers: [ActivityMatrix], into output: UnsafeMutablePointer<Double>) {
        for (index, layer) in layers.enumerated() {
            let (meanSlope, fraction) = measure(layer)
            output[index] = meanSlope
            output[layers.count + index] = fraction
        }
    }
}
