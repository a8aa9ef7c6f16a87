/// Coefficients of determination (R²) of predictions against targets, column by column, in
/// Double: 1 − SS_res / SS_tot with SS_tot about the target column's mean, averaged over columns
/// (sklearn's and the reference's `r2_score` with uniform averaging; a constant target column
/// gives NaN or −∞ as there).
public enum CoefficientOfDetermination {
    /// Mean over the `columns` of the R² of `predictions` against `targets`, both [rows, columns].
    public static func meanR2(predictions: UnsafePointer<Float>, targets: UnsafePointer<Float>, rows: Int, columns: Int) -> Double {
        meanR2Specialized(predictions: predictions, targets: targets, rows: rows, columns: columns)
    }

    public static func meanR2(predictions: UnsafePointer<Double>, targets: UnsafePointer<Double>, rows: Int, columns: Int) -> Double {
        meanR2Specialized(predictions: predictions, targets: targets, rows: rows, columns: columns)
    }

    /// Specialised for each element type inside this module (a generic call across modules
    /// would convert every element through protocol witnesses).
    @inline(__always)
    static func meanR2Specialized<P: BinaryFloatingPoint, Q: BinaryFloatingPoint>(
        predictions: UnsafePointer<P>, targets: UnsafePointer<Q>, rows: Int, columns: Int) -> Double {
        // Row by row (the arrays are row-major), with one accumulator per column.
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 3 * columns) { buffer in
            let mean = buffer.baseAddress!, residual = mean + columns, spread = residual + columns
            mean.initialize(repeating: 0, count: 3 * columns)
            for r in 0..<rows {
                let y = targets + r * columns
                for c in 0..<columns { mean[c] += Double(y[c]) }
            }
            for c in 0..<columns { mean[c] /= Double(rows) }
            for r in 0..<rows {
                let y = targets + r * columns, p = predictions + r * columns
                for c in 0..<columns {
                    let target = Double(y[c]), e = target - Double(p[c]), d = target - mean[c]
                    residual[c] += e * e
                    spread[c] += d * d
                }
            }
            var total = 0.0
            for c in 0..<columns { total += 1 - residual[c] / spread[c] }
            return total / Double(columns)
        }
    }
}

/// The reference's "latent R²": the affine least-squares map from regressors X [rows, p] to
/// targets Y [rows, q] (Ŷ = [X 1] W, W = pinv([X 1]) Y), then the mean R² of Ŷ against Y. The
/// pseudo-inverse goes through the eigen-decomposition of the (p+1)² normal matrix, dropping
/// directions whose eigenvalue is below 1e-12 of the largest (a rank-deficient X is fitted on its
/// column space, as a pseudo-inverse does). Buffers for up to `maxRows` rows are allocated once.
public final class AffineRegression {
    public let regressors: Int, targets: Int, maxRows: Int
    let design: UnsafeMutablePointer<Double>       // [rows, p+1]: X and a column of ones
    let response: UnsafeMutablePointer<Double>     // [rows, q]
    let fitted: UnsafeMutablePointer<Double>       // [rows, q]
    let normal: UnsafeMutablePointer<Double>       // [(p+1), (p+1)]
    let moments: UnsafeMutablePointer<Double>      // [(p+1), q]
    let coefficients: UnsafeMutablePointer<Double> // [(p+1), q]
    let projected: UnsafeMutablePointer<Double>    // [(p+1), q]
    let eigenvalues: UnsafeMutablePointer<Double>  // [p+1]
    let eigen: SymmetricEigenWorkspace

    public init(regressors p: Int, targets q: Int, maxRows: Int) {
        precondition(p >= 1 && q >= 1 && maxRows >= 1)
        regressors = p; targets = q; self.maxRows = maxRows
        let m = p + 1
        design = .allocate(capacity: maxRows * m)
        response = .allocate(capacity: maxRows * q)
        fitted = .allocate(capacity: maxRows * q)
        normal = .allocate(capacity: m * m)
        moments = .allocate(capacity: m * q)
        coefficients = .allocate(capacity: m * q)
        projected = .allocate(capacity: m * q)
        eigenvalues = .allocate(capacity: m)
        eigen = SymmetricEigenWorkspace(order: m)
    }

    deinit {
        design.deallocate(); response.deallocate(); fitted.deallocate(); normal.deallocate()
        moments.deallocate(); coefficients.deallocate(); projected.deallocate(); eigenvalues.deallocate()
    }

    /// The mean R² of the affine fit of `y` [rows, q] from `x` [rows, p]; NaN if the
    /// decomposition fails.
    public func meanR2(x: UnsafePointer<Double>, y: UnsafePointer<Float>, rows: Int) -> Double {
        precondition(rows <= maxRows && rows >= 1)
        let p = regressors, q = targets, m = p + 1
        for r in 0..<rows {
            let row = design + r * m
            for j in 0..<p { row[j] = x[r * p + j] }
            row[p] = 1
        }
        for i in 0..<(rows * q) { response[i] = Double(y[i]) }
        // Normal matrix G = X̃ᵀ X̃ and moments C = X̃ᵀ Y.
        BLAS.gemm(transposeA: true, m: m, n: m, k: rows, design, design, beta: 0, normal)
        BLAS.gemm(transposeA: true, m: m, n: q, k: rows, design, response, beta: 0, moments)
        // G = V Λ Vᵀ (symmetric; LAPACK's column-major eigenvectors are the rows of `normal`).
        guard (try? LAPACK.symmetricEigen(normal, n: m, eigenvalues: eigenvalues, workspace: eigen)) != nil else { return .nan }
        let largest = eigenvalues[m - 1]
        // W = V Λ⁺ Vᵀ C: first P = Λ⁺ Vᵀ C, then W = V P.
        for k in 0..<m {
            let vector = normal + k * m
            let inverse = eigenvalues[k] > 1e-12 * largest ? 1 / eigenvalues[k] : 0
            for c in 0..<q {
                var sum = 0.0
                for i in 0..<m { sum += vector[i] * moments[i * q + c] }
                projected[k * q + c] = inverse * sum
            }
        }
        for i in 0..<m {
            for c in 0..<q {
                var sum = 0.0
                for k in 0..<m { sum += normal[k * m + i] * projected[k * q + c] }
                coefficients[i * q + c] = sum
            }
        }
        BLAS.gemm(m: rows, n: q, k: m, design, coefficients, beta: 0, fitted)
        return CoefficientOfDetermination.meanR2(predictions: UnsafePointer(fitted), targets: UnsafePointer(response),
                                                 rows: rows, columns: q)
    }
}
