/// A linear decoder of q targets from n features: ordinary least squares with an intercept, as
/// scikit-learn's LinearRegression (centre both, minimum-norm least squares by the SVD, intercept
/// from the means), scored by the coefficient of determination averaged over the targets as
/// r2_score(multioutput="uniform_average") does.
public struct LinearDecoder: Sendable {
    public let features: Int, targets: Int
    /// [n, q] row-major.
    public private(set) var coefficients: [Double]
    /// [q].
    public private(set) var intercept: [Double]
    /// Rank of the centred training features at the cutoff.
    public private(set) var rank: Int

    /// Fits on `rows` samples of features X [rows, n] and targets S [rows, q] (row-major). Singular
    /// values of the centred X below `rcond` times the largest count as zero (scipy's lstsq uses the
    /// machine epsilon of the data's type).
    public init(features x: UnsafePointer<Double>, targets s: UnsafePointer<Double>, rows: Int,
                featureCount n: Int, targetCount q: Int, rcond: Double) throws {
        try require(rows >= 1, "rows", rows, "must be >= 1")
        try require(n >= 1 && q >= 1, "featureCount, targetCount", "\(n), \(q)", "must be >= 1")
        features = n; targets = q
        var featureMeans = [Double](repeating: 0, count: n), targetMeans = [Double](repeating: 0, count: q)
        for r in 0..<rows {
            for j in 0..<n { featureMeans[j] += x[r * n + j] }
            for k in 0..<q { targetMeans[k] += s[r * q + k] }
        }
        for j in 0..<n { featureMeans[j] /= Double(rows) }
        for k in 0..<q { targetMeans[k] /= Double(rows) }
        // Column-major copies for LAPACK: A [rows, n], B [max(rows, n), q].
        let leading = max(rows, n)
        var a = [Double](repeating: 0, count: rows * n), b = [Double](repeating: 0, count: leading * q)
        for r in 0..<rows {
            for j in 0..<n { a[j * rows + r] = x[r * n + j] - featureMeans[j] }
            for k in 0..<q { b[k * leading + r] = s[r * q + k] - targetMeans[k] }
        }
        let rank = try a.withUnsafeMutableBufferPointer { aPointer in
            try b.withUnsafeMutableBufferPointer { bPointer in
                try LAPACK.leastSquares(aPointer.baseAddress!, m: rows, n: n, bPointer.baseAddress!, nrhs: q, rcond: rcond)
            }
        }
        self.rank = rank
        var coefficients = [Double](repeating: 0, count: n * q), intercept = targetMeans
        for k in 0..<q {
            for j in 0..<n {
                coefficients[j * q + k] = b[k * leading + j]
                intercept[k] -= featureMeans[j] * b[k * leading + j]
            }
        }
        self.coefficients = coefficients
        self.intercept = intercept
    }

    /// Predictions [rows, q] of features X [rows, n].
    public func predict(features x: UnsafePointer<Double>, rows: Int, into y: UnsafeMutablePointer<Double>) {
        for r in 0..<rows {
            for k in 0..<targets { y[r * targets + k] = intercept[k] }
            for j in 0..<features {
                let v = x[r * features + j]
                for k in 0..<targets { y[r * targets + k] += v * coefficients[j * targets + k] }
            }
        }
    }

    /// R² of the predictions of X [rows, n] against S [rows, q], averaged over the q targets. A
    /// target constant over the rows scores 1 if predicted exactly, else 0 (r2_score's rule).
    public func r2(features x: UnsafePointer<Double>, targets s: UnsafePointer<Double>, rows: Int) -> Double {
        var predicted = [Double](repeating: 0, count: rows * targets)
        predicted.withUnsafeMutableBufferPointer { predict(features: x, rows: rows, into: $0.baseAddress!) }
        var total = 0.0
        for k in 0..<targets {
            var mean = 0.0
            for r in 0..<rows { mean += s[r * targets + k] }
            mean /= Double(rows)
            var residual = 0.0, spread = 0.0
            for r in 0..<rows {
                let e = s[r * targets + k] - predicted[r * targets + k], d = s[r * targets + k] - mean
                residual += e * e
                spread += d * d
            }
            total += spread > 0 ? 1 - residual / spread : (residual == 0 ? 1 : 0)
        }
        return total / Double(targets)
    }
}
