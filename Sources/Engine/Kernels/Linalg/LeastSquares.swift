import CBLAS

extension LAPACK {
    /// Minimum-norm least squares (dgelsd, SVD-based, as numpy's and scipy's lstsq): for a
    /// column-major m x n matrix A and a column-major max(m, n) x nrhs right-hand side B, on return
    /// the first n rows of each column of B hold the solution X minimising ‖A X − B‖ (rows beyond
    /// n are overwritten with residual information). Singular values below `rcond` times the largest
    /// count as zero. A is destroyed. Returns the effective rank.
    @discardableResult
    public static func leastSquares(_ a: UnsafeMutablePointer<Double>, m: Int, n: Int,
                                    _ b: UnsafeMutablePointer<Double>, nrhs: Int = 1, rcond: Double = -1) throws -> Int {
        var rows = Int32(m), columns = Int32(n), rhs = Int32(nrhs)
        var lda = Int32(max(1, m)), ldb = Int32(max(1, m, n)), rank: Int32 = 0, info: Int32 = 0
        var cutoff = rcond
        var singularValues = [Double](repeating: 0, count: max(1, min(m, n)))
        var lwork: Int32 = -1, query = 0.0, iworkQuery: Int32 = 0
        dgelsd_(&rows, &columns, &rhs, a, &lda, b, &ldb, &singularValues, &cutoff, &rank, &query, &lwork, &iworkQuery, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgelsd", info: info) }
        lwork = Int32(query)
        var work = [Double](repeating: 0, count: Int(max(1, lwork)))
        var iwork = [Int32](repeating: 0, count: Int(max(1, iworkQuery)))
        dgelsd_(&rows, &columns, &rhs, a, &lda, b, &ldb, &singularValues, &cutoff, &rank, &work, &lwork, &iwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgelsd", info: info) }
        return Int(rank)
    }
}
