/// SplitMix64 (Steele, Lea & Flood 2014): a tiny, fast generator whose stream depends only on
/// its seed, so that bootstrap intervals are reproducible bit for bit on every machine.
public struct SplitMix64: Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in 0..<bound by the high half of a 64x64 product (bias below bound / 2^64,
    /// negligible for replicate counts).
    public mutating func next(below bound: Int) -> Int {
        Int(truncatingIfNeeded: next().multipliedFullWidth(by: UInt64(bound)).high)
    }
}

/// Percentile-bootstrap confidence interval of the mean.
///
/// `means` is scratch space of `resamples` Doubles, reused across calls so that nothing is
/// allocated per element. Each resample draws n values with replacement; the interval is
/// the (1 - level)/2 and (1 + level)/2 quantiles of the resample means, interpolated
/// linearly between order statistics (numpy's default "linear" quantile).
func bootstrapMeanInterval(_ values: UnsafeBufferPointer<Double>, seed: UInt64, level: Double,
                           means: UnsafeMutableBufferPointer<Double>) -> (low: Double, high: Double) {
    let count = values.count
    if count == 0 || means.isEmpty { return (.nan, .nan) }
    if count == 1 { return (values[0], values[0]) }
    var generator = SplitMix64(seed: seed)
    let scale = 1.0 / Double(count)
    for resample in 0..<means.count {
        var sum = 0.0
        for _ in 0..<count { sum += values[generator.next(below: count)] }
        means[resample] = sum * scale
    }
    // Only infinite inputs (inf - inf) make a NaN mean; NaN has no rank to select.
    if means.contains(where: \.isNaN) { return (.nan, .nan) }
    return (quantile(means, (1 - level) / 2), quantile(means, (1 + level) / 2))
}

/// Linear-interpolation quantile (type 7) by selection, O(n); reorders `values`.
func quantile(_ values: UnsafeMutableBufferPointer<Double>, _ probability: Double) -> Double {
    let position = probability * Double(values.count - 1)
    let lowerRank = Int(position.rounded(.down))
    let fraction = position - Double(lowerRank)
    let lower = select(values, rank: lowerRank)
    guard fraction > 0, lowerRank + 1 < values.count else { return lower }
    // After selection everything above lowerRank is >= lower: the next order statistic is their minimum.
    var upper = Double.infinity
    for index in (lowerRank + 1)..<values.count { upper = min(upper, values[index]) }
    return lower + fraction * (upper - lower)
}

/// Quickselect (Hoare partition, median-of-three pivot): puts the rank-th smallest value at
/// index `rank`, smaller ones before it and larger ones after it, and returns it.
func select(_ values: UnsafeMutableBufferPointer<Double>, rank: Int) -> Double {
    var low = 0
    var high = values.count - 1
    while high > low {
        let middle = low + (high - low) / 2
        // Median of three as pivot guards against sorted input.
        if values[middle] < values[low] { values.swapAt(middle, low) }
        if values[high] < values[low] { values.swapAt(high, low) }
        if values[high] < values[middle] { values.swapAt(high, middle) }
        let pivot = values[middle]
        var i = low
        var j = high
        while i <= j {
            while values[i] < pivot { i += 1 }
            while values[j] > pivot { j -= 1 }
            if i <= j { values.swapAt(i, j); i += 1; j -= 1 }
        }
        if rank <= j { high = j } else if rank >= i { low = i } else { break }
    }
    return values[rank]
}
