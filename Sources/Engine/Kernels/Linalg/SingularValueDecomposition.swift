import CBLAS

extension LAPACK {
    /// The thin singular value decomposition A = U diag(s) Vᵀ of a row-major m x n matrix
    /// (divide and conquer, dgesdd, as scipy.linalg.svd): U [m, k] and Vᵀ [k, n] row-major,
    /// s descending, k = min(m, n).
    public static func thinSVD(_ a: [Double], rows m: Int, columns n: Int) throws -> (u: [Double], s: [Double], vt: [Double]) {
        precondition(a.count == m * n && m >= 1 && n >= 1)
        let k = min(m, n)
        // A row-major [m, n] is the column-major Aᵀ [n, m]; decompose Aᵀ = V diag(s) Uᵀ instead.
        var transposed = a
        var rows = Int32(n), columns = Int32(m), lda = Int32(n), info: Int32 = 0
        var s = [Double](repeating: 0, count: k)
        var left = [Double](repeating: 0, count: n * k)        // column-major [n, k]: V
        var right = [Double](repeating: 0, count: k * m)       // column-major [k, m]: Uᵀ
        var ldLeft = Int32(n), ldRight = Int32(k)
        var job = CChar(UInt8(ascii: "S"))
        var iwork = [Int32](repeating: 0, count: 8 * k)
        var lwork: Int32 = -1, query = 0.0
        dgesdd_(&job, &rows, &columns, &transposed, &lda, &s, &left, &ldLeft, &right, &ldRight, &query, &lwork, &iwork, &info)
        var work = [Double](repeating: 0, count: max(1, Int(query)))
        lwork = Int32(work.count)
        dgesdd_(&job, &rows, &columns, &transposed, &lda, &s, &left, &ldLeft, &right, &ldRight, &work, &lwork, &iwork, &info)
        if info != 0 { throw LinearAlgebraError(routine: "dgesdd", info: info) }
        // Column-major V [n, k] is row-major Vᵀ [k, n]; column-major Uᵀ [k, m] is row-major U [m, k].
        return (u: right, s: s, vt: left)
    }
}
