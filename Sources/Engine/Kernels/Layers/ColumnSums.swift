/// Bias gradients: column sums of a [rows, columns] Float matrix added to a Float vector,
/// accumulated in Double. A training pass sums tens of thousands of rows (every step of every
/// trial); a running Float sum would lose about 1e-4 of the result.
public enum ColumnSums {
    /// sums [columns] += Σ_r a[r, ·].
    @inline(__always)
    public static func accumulate(_ a: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: columns) { buffer in
            let total = buffer.baseAddress!
            total.initialize(repeating: 0, count: columns)
            for r in 0..<rows {
                let row = a + r * columns
                for c in 0..<columns { total[c] += Double(row[c]) }
            }
            for c in 0..<columns { sums[c] += Float(total[c]) }
        }
    }
}
