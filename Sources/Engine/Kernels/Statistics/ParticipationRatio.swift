import CBLAS

/// Participation ratio (effective dimensionality) of an activity matrix, farrell-spec.md D.1/D.2:
///
///     PR(H) = (Σ λ_i)² / Σ λ_i² = (tr C)² / tr(C²),   C = Hcᵀ Hc / (M − 1),
///
/// with Hc the column-centred activity [M samples, n units] and λ_i the eigenvalues of C.
/// No eigendecomposition is needed: tr C ∝ ‖Hc‖_F² and tr(C²) ∝ ‖Hcᵀ Hc‖_F² = ‖Hc Hcᵀ‖_F² (the
/// normalisation cancels), and the smaller of the two Gram matrices is formed with one dsyrk.
///
/// Construct once per run with the largest sizes; `compute` then allocates nothing.
public final class ParticipationRatio {
    public let maxSamples: Int
    public let maxFeatures: Int
    private let centred: UnsafeMutablePointer<Double>      // Hc [M, n], row-major, dense (row stride n)
    private let columnMeans: UnsafeMutablePointer<Double>  // [n]
    private let gram: UnsafeMutablePointer<Double>         // [g, g] with g = min(M, n); upper triangle used

    public init(maxSamples: Int, maxFeatures: Int) {
        precondition(maxSamples >= 1 && maxFeatures >= 1,
                     "ParticipationRatio needs maxSamples, maxFeatures >= 1 (got \(maxSamples), \(maxFeatures))")
        self.maxSamples = maxSamples
        self.maxFeatures = maxFeatures
        let gramOrder = min(maxSamples, maxFeatures)
        centred = .allocate(capacity: maxSamples * maxFeatures)
        columnMeans = .allocate(capacity: maxFeatures)
        gram = .allocate(capacity: gramOrder * gramOrder)
        // syrk with beta = 0 should not read C, but zeroed memory keeps a NaN from ever leaking in.
        gram.initialize(repeating: 0, count: gramOrder * gramOrder)
    }

    deinit {
        centred.deallocate()
        columnMeans.deallocate()
        gram.deallocate()
    }

    /// PR of `activity` [samples, features] (row r at `activity + r * stride`, stride defaults to features).
    /// Returns NaN when tr(C²) = 0 (fewer than two distinct samples, constant activity) or the input is
    /// not finite. Throws when the shape exceeds the workspace.
    public func compute(_ activity: UnsafePointer<Float>, samples: Int, features: Int, stride: Int? = nil) throws -> Double {
        try participationRatio(activity, samples: samples, features: features, stride: stride ?? features)
    }

    /// Double-input form of `compute(_:samples:features:stride:)`.
    public func compute(_ activity: UnsafePointer<Double>, samples: Int, features: Int, stride: Int? = nil) throws -> Double {
        try participationRatio(activity, samples: samples, features: features, stride: stride ?? features)
    }

    /// PR of one layer's activity view.
    public func compute(_ matrix: ActivityMatrix) throws -> Double {
        try participationRatio(matrix.base, samples: matrix.rows, features: matrix.columns, stride: matrix.rowStride)
    }

    private func participationRatio<Element: BinaryFloatingPoint>(_ activity: UnsafePointer<Element>, samples m: Int,
                                                                  features n: Int, stride: Int) throws -> Double {
        try require(m >= 0 && m <= maxSamples, "samples", m, "must be in 0...\(maxSamples)")
        try require(n >= 1 && n <= maxFeatures, "features", n, "must be in 1...\(maxFeatures)")
        try require(stride >= n, "stride", stride, "must be >= features (\(n))")
        let traceOfCovariance = centreColumns(activity, samples: m, features: n, stride: stride) // ‖Hc‖_F²
        guard traceOfCovariance.isFinite, traceOfCovariance > 0 else { return .nan }

        // G = Hcᵀ Hc [n, n] when n <= M, else Hc Hcᵀ [M, M]; both have ‖G‖_F² = tr(C²)·(M−1)².
        let order: Int
        if n <= m {
            order = n
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(n), Int32(m), 1, centred, Int32(n), 0, gram, Int32(n))
        } else {
            order = m
            cblas_dsyrk(CblasRowMajor, CblasUpper, CblasNoTrans, Int32(m), Int32(n), 1, centred, Int32(n), 0, gram, Int32(m))
        }
        let traceOfSquare = upperTriangleFrobeniusSquared(gram, order: order)
        guard traceOfSquare > 0, traceOfSquare.isFinite else { return .nan }
        return traceOfCovariance * traceOfCovariance / traceOfSquare
    }

    /// Writes Hc = H − column means into `centred` [m, n] and returns ‖Hc‖_F² (non-finite if H is).
    private func centreColumns<Element: BinaryFloatingPoint>(_ activity: UnsafePointer<Element>, samples m: Int,
                                                             features n: Int, stride: Int) -> Double {
        columnMeans.update(repeating: 0, count: n)
        for row in 0..<m {
            let source = activity + row * stride
            for column in 0..<n { columnMeans[column] += Double(source[column]) }
        }
        let inverseCount = m > 0 ? 1 / Double(m) : 0
        for column in 0..<n { columnMeans[column] *= inverseCount }
        var sumOfSquares = 0.0
        for row in 0..<m {
            let source = activity + row * stride, target = centred + row * n
            for column in 0..<n {
                let value = Double(source[column]) - columnMeans[column]
                target[column] = value
                sumOfSquares += value * value
            }
        }
        return sumOfSquares
    }
}

/// ‖G‖_F² of a symmetric [order, order] row-major matrix of which only the upper triangle is valid.
func upperTriangleFrobeniusSquared(_ g: UnsafePointer<Double>, order: Int) -> Double {
    var diagonal = 0.0, offDiagonal = 0.0
    for i in 0..<order {
        let row = g + i * order
        diagonal += row[i] * row[i]
        for j in (i + 1)..<order { offDiagonal += row[j] * row[j] }
    }
    return diagonal + 2 * offDiagonal
}
