/// Bias gradients: column sums of a [rows, columns] Float matrix added to a Float vector,
/// accumulated in Double. A training pass sums tens of thousands of rows (every step of every
/// trial); a running Float sum would lose about 1e-4 of the result.
public enum ColumnSums {
    /// sums [columns] += Σ_r a[r, ·]: blocks of 64 rows summed in Float (vectorised), the
    /// blocks in Double.
    @inline(__always)
    public static func accumulate(_ a: UnsafePointer<Float>, rows: Int, columns: Int, into sums: UnsafeMutablePointer<Float>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: columns) { totalBuffer in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: columns) { partialBuffer in
                let total = totalBuffer.baseAddress!, partial = partialBuffer.baseAddress!
                total.initialize(repeating: 0, count: columns)
                var start = 0
                while start < rows {
                    let end = min(rows, start + 64)
                    partial.update(from: a + start * columns, count: columns)
                    for r in (start + 1)..<max(start + 1, end) {
                        let row = a + r * columns
                        for c in 0..<columns { partial[c] += row[c] }
                    }
                    for c in 0..<columns { total[c] += Double(partial[c]) }
                    start = end
                }
                for c in 0..<columns { sums[c] += Float(total[c]) }
            }
        }
    }
}
