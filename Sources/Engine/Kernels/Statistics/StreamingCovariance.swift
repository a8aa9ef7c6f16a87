/// The covariance of a long stream of samples of dimension D, accumulated in Double through
/// blocks of rows (one symmetric rank-k update per block) so that the stream is never kept:
///   C = (Σ y yᵀ − n m mᵀ) / (n − 1),   y = x − x_0 (the shift keeps the cancellation small).
/// Then the principal components' explained-variance ratios and the PCA dimension.
///   sample [D]; block [blockRows, D]; gram [D, D] (upper triangle)
public final class StreamingCovariance {
    public let dimension: Int
    public let blockRows: Int
    public private(set) var count = 0
    let shift, sum, gram, block: UnsafeMutablePointer<Double>
    var blockFill = 0

    public init(dimension: Int, blockRows: Int = 256) {
        precondition(dimension >= 1 && blockRows >= 1)
        self.dimension = dimension
        self.blockRows = blockRows
        shift = .allocate(capacity: dimension); sum = .allocate(capacity: dimension)
        gram = .allocate(capacity: dimension * dimension)
        block = .allocate(capacity: blockRows * dimension)
        reset()
    }

    deinit { shift.deallocate(); sum.deallocate(); gram.deallocate(); block.deallocate() }

    public func reset() {
        count = 0
        blockFill = 0
        sum.update(repeating: 0, count: dimension)
        gram.update(repeating: 0, count: dimension * dimension)
    }

    /// Appends one sample.
    public func append(_ sample: UnsafePointer<Float>) {
        let d = dimension
        if count == 0 { for i in 0..<d { shift[i] = Double(sample[i]) } }
        let row = block + blockFill * d
        for i in 0..<d {
            let y = Double(sample[i]) - shift[i]
            row[i] = y
            sum[i] += y
        }
        count += 1
        blockFill += 1
        if blockFill == blockRows { flush() }
    }

    private func flush() {
        guard blockFill > 0 else { return }
        BLAS.gramUpper(n: dimension, k: blockFill, block, beta: 1, gram)
        blockFill = 0
    }

    /// The covariance matrix [D, D] (full, symmetric) with the n − 1 normalisation.
    public func covariance() -> [Double] {
        flush()
        let d = dimension, n = Double(count)
        var c = [Double](repeating: .nan, count: d * d)
        guard count >= 2 else { return c }
        for i in 0..<d {
            for j in i..<d {
                let value = (gram[i * d + j] - sum[i] * sum[j] / n) / (n - 1)
                c[i * d + j] = value
                c[j * d + i] = value
            }
        }
        return c
    }

    /// The fractions of the total variance along the principal components, largest first.
    public func explainedVarianceRatios() throws -> [Double] {
        var c = covariance()
        guard count >= 2 else { return [Double](repeating: .nan, count: dimension) }
        let ascending = try c.withUnsafeMutableBufferPointer { try LAPACK.symmetricEigen($0.baseAddress!, n: dimension) }
        let variances = ascending.reversed().map { max($0, 0) }
        let total = variances.reduce(0, +)
        guard total > 0 else { return [Double](repeating: .nan, count: dimension) }
        return variances.map { $0 / total }
    }

    /// The index (from 0) of the first component at which the cumulative explained variance
    /// exceeds `threshold`: the number of components needed, minus one (the reference's
    /// "dimensionality"). NaN for a stream without variance.
    public static func dimension(ratios: [Double], threshold: Double) -> Double {
        var cumulative = 0.0
        for (index, ratio) in ratios.enumerated() {
            guard ratio.isFinite else { return .nan }
            cumulative += ratio
            if cumulative > threshold { return Double(index) }
        }
        return .nan
    }
}
