/// Autocovariance sums of many series at once, accumulated one sample at a time so that a long
/// simulation never keeps its history. For a series x_0 … x_{n−1} with mean μ:
///   S_k = Σ_{t=0}^{n−1−k} (x_t − μ)(x_{t+k} − μ),   k = 0 … lags − 1.
/// These are the sums a zero-padded FFT autocorrelation computes (the same numbers up to
/// rounding); summing the products directly costs n·lags per series and keeps only `lags`
/// samples, where the FFT needs the whole series in memory. In Double, around the first sample
/// of each series (S_k does not depend on the shift, which keeps the cancellation small), from
/// the lagged products, the sum, and the first and the last `lags` samples:
///   S_k = P_k − m (A_k + B_k) + (n − k) m²,   m = Σ y / n,   y = x − x_0,
///   P_k = Σ_{t>=k} y_{t−k} y_t,   A_k = Σ_{t<n−k} y_t,   B_k = Σ_{t>=k} y_t.
///   samples [series], products and rings [lags, series]
public final class LaggedAutocovariance {
    public let series: Int
    public let lags: Int
    /// Samples appended so far (n).
    public private(set) var count = 0
    let shift, total: UnsafeMutablePointer<Double>
    let products, first, recent: UnsafeMutablePointer<Double>

    public init(series: Int, lags: Int) {
        precondition(series >= 1 && lags >= 1)
        self.series = series
        self.lags = lags
        shift = .allocate(capacity: series); total = .allocate(capacity: series)
        products = .allocate(capacity: lags * series)
        first = .allocate(capacity: lags * series)
        recent = .allocate(capacity: lags * series)
        reset()
    }

    deinit {
        shift.deallocate(); total.deallocate(); products.deallocate(); first.deallocate(); recent.deallocate()
    }

    /// Forgets every sample.
    public func reset() {
        count = 0
        total.update(repeating: 0, count: series)
        products.update(repeating: 0, count: lags * series)
        first.update(repeating: 0, count: lags * series)
        recent.update(repeating: 0, count: lags * series)
    }

    /// Appends one sample of every series.
    public func append(_ sample: UnsafePointer<Float>) {
        let s = series, t = count
        if t == 0 { for j in 0..<s { shift[j] = Double(sample[j]) } }
        let slot = recent + (t % lags) * s
        for j in 0..<s {
            let y = Double(sample[j]) - shift[j]
            slot[j] = y
            total[j] += y
        }
        accumulate(slot)
    }

    /// Appends one sample of every series (Double).
    public func append(_ sample: UnsafePointer<Double>) {
        let s = series, t = count
        if t == 0 { for j in 0..<s { shift[j] = sample[j] } }
        let slot = recent + (t % lags) * s
        for j in 0..<s {
            let y = sample[j] - shift[j]
            slot[j] = y
            total[j] += y
        }
        accumulate(slot)
    }

    /// The lagged products of the shifted sample in `slot` (the ring's newest row).
    private func accumulate(_ slot: UnsafeMutablePointer<Double>) {
        let s = series, t = count
        if t < lags { (first + t * s).update(from: slot, count: s) }
        for k in 0..<min(lags, t + 1) {
            let earlier = recent + ((t - k) % lags) * s, row = products + k * s
            for j in 0..<s { row[j] += earlier[j] * slot[j] }
        }
        count += 1
    }

    /// S_k of every series, [lags, series]; NaN for lags k >= n.
    public func sums() -> [Double] {
        let s = series, n = count
        var result = [Double](repeating: .nan, count: lags * s)
        guard n > 0 else { return result }
        // Σ of the first k and of the last k samples, grown one lag at a time.
        var head = [Double](repeating: 0, count: s), tail = [Double](repeating: 0, count: s)
        for k in 0..<min(lags, n) {
            if k > 0 {
                let firstRow = first + (k - 1) * s, lastRow = recent + ((n - k) % lags) * s
                for j in 0..<s { head[j] += firstRow[j]; tail[j] += lastRow[j] }
            }
            let remaining = Double(n - k)
            for j in 0..<s {
                let m = total[j] / Double(n)
                let a = total[j] - tail[j], b = total[j] - head[j]
                result[k * s + j] = products[k * s + j] - m * (a + b) + remaining * m * m
            }
        }
        return result
    }
}
