import Foundation

/// Signal clarity (Naumann, Keijser and Sprekeler 2022): how cleanly the units of a population each
/// carry one of two sources. Over a window of T samples, C[i, j] = Pearson corr(s_i, p_j) for the
/// sources s_i and units p_j; unit j's clarity is | |C[0, j]| − |C[1, j]| | (1: it follows one
/// source only, 0: an equal mixture), and the population's the mean over the units whose
/// correlations are defined (a unit or source of zero variance has none, as numpy's corrcoef gives NaN).
public enum SignalClarity {
    /// C [q, n] (row-major) between sources [T, q] and a population [T, n], both row-major with
    /// row strides q and n, in Double.
    public static func correlations(sources s: UnsafePointer<Double>, sourceCount q: Int,
                                    population p: UnsafePointer<Double>, units n: Int, samples t: Int,
                                    into c: UnsafeMutablePointer<Double>) {
        var sourceMeans = [Double](repeating: 0, count: q), unitMeans = [Double](repeating: 0, count: n)
        for r in 0..<t {
            for i in 0..<q { sourceMeans[i] += s[r * q + i] }
            for j in 0..<n { unitMeans[j] += p[r * n + j] }
        }
        for i in 0..<q { sourceMeans[i] /= Double(t) }
        for j in 0..<n { unitMeans[j] /= Double(t) }
        var sourceSquares = [Double](repeating: 0, count: q), unitSquares = [Double](repeating: 0, count: n)
        var cross = [Double](repeating: 0, count: q * n)
        for r in 0..<t {
            for j in 0..<n {
                let dp = p[r * n + j] - unitMeans[j]
                unitSquares[j] += dp * dp
                for i in 0..<q { cross[i * n + j] += (s[r * q + i] - sourceMeans[i]) * dp }
            }
            for i in 0..<q { let ds = s[r * q + i] - sourceMeans[i]; sourceSquares[i] += ds * ds }
        }
        for i in 0..<q {
            for j in 0..<n {
                let denominator = (sourceSquares[i] * unitSquares[j]).squareRoot()
                // 0 / 0 is NaN, as corrcoef; rounding may push |C| a hair past 1, which corrcoef clips.
                c[i * n + j] = denominator > 0 ? min(max(cross[i * n + j] / denominator, -1), 1) : .nan
            }
        }
    }

    /// | |C[0, j]| − |C[1, j]| | of unit j, for C [2, n].
    @inline(__always)
    public static func unitClarity(correlations c: UnsafePointer<Double>, units n: Int, unit j: Int) -> Double {
        abs(abs(c[j]) - abs(c[n + j]))
    }

    /// The mean unit clarity over the units with defined correlations (NaN if there is none),
    /// for C [2, n].
    public static func clarity(correlations c: UnsafePointer<Double>, units n: Int) -> Double {
        var sum = 0.0, count = 0
        for j in 0..<n {
            let value = unitClarity(correlations: c, units: n, unit: j)
            if !value.isNaN { sum += value; count += 1 }
        }
        return count > 0 ? sum / Double(count) : .nan
    }
}
