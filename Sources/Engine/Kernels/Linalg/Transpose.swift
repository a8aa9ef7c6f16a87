/// Transposes of row-major matrices, blocked so that both the reads and the writes stay in cache.
public enum Transpose {
    /// out[j, i] = a[i, j] for a [n, n] (out must not alias a).
    public static func square(_ a: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, n: Int) {
        let block = 16
        var i0 = 0
        while i0 < n {
            let i1 = min(i0 + block, n)
            var j0 = 0
            while j0 < n {
                let j1 = min(j0 + block, n)
                for i in i0..<i1 {
                    let row = a + i * n
                    for j in j0..<j1 { out[j * n + i] = row[j] }
                }
                j0 = j1
            }
            i0 = i1
        }
    }
}
