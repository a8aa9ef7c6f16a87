/// Summary statistics of one metric element over the replicates of a group.
public struct ElementStatistics: Hashable, Sendable {
    /// Values that entered the statistics (non-NaN, from done trials).
    public var n: Int
    public var mean: Double
    /// Sample standard deviation (divides by n - 1); NaN when n < 2.
    public var standardDeviation: Double
    /// standardDeviation / sqrt(n); NaN when n < 2.
    public var standardError: Double
    public var median: Double
    /// 95% percentile-bootstrap confidence interval of the mean; [x, x] when n = 1.
    public var confidenceLow: Double
    public var confidenceHigh: Double

    public static let empty = ElementStatistics(n: 0, mean: .nan, standardDeviation: .nan, standardError: .nan,
                                                median: .nan, confidenceLow: .nan, confidenceHigh: .nan)
}

/// Mean by plain summation in order (the values are a few dozen replicates).
func mean(_ values: UnsafeBufferPointer<Double>) -> Double {
    var sum = 0.0
    for value in values { sum += value }
    return sum / Double(values.count)
}

/// Sample standard deviation around a known mean, two-pass for accuracy; NaN when n < 2.
func sampleStandardDeviation(_ values: UnsafeBufferPointer<Double>, mean: Double) -> Double {
    guard values.count > 1 else { return .nan }
    var sumOfSquares = 0.0
    for value in values { sumOfSquares += (value - mean) * (value - mean) }
    return (sumOfSquares / Double(values.count - 1)).squareRoot()
}

/// Median of values already sorted ascending (mean of the middle two for even n).
func medianOfSorted(_ sorted: UnsafeBufferPointer<Double>) -> Double {
    let count = sorted.count
    guard count > 0 else { return .nan }
    return count % 2 == 1 ? sorted[count / 2] : 0.5 * (sorted[count / 2 - 1] + sorted[count / 2])
}
