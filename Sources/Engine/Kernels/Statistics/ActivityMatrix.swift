/// A read-only view of an activity matrix [rows, columns] (samples x units) inside a flat Float buffer,
/// row r starting at `base + r * rowStride`. The stride lets one layer of a [samples, time, units] tensor
/// be analysed in place (base = t * units, rowStride = time * units).
public struct ActivityMatrix {
    public var base: UnsafePointer<Float>
    public var rows: Int
    public var columns: Int
    public var rowStride: Int

    public init(_ base: UnsafePointer<Float>, rows: Int, columns: Int, rowStride: Int? = nil) {
        self.base = base
        self.rows = rows
        self.columns = columns
        self.rowStride = rowStride ?? columns
    }

    @inline(__always)
    public subscript(row: Int, column: Int) -> Float { base[row * rowStride + column] }

    /// Checks the shape against a workspace's capacity.
    func validate(_ name: @autoclosure () -> String, maxRows: Int, maxColumns: Int) throws {
        try require(rows >= 0 && rows <= maxRows, "\(name()).rows", rows, "must be in 0...\(maxRows)")
        try require(columns >= 1 && columns <= maxColumns, "\(name()).columns", columns, "must be in 1...\(maxColumns)")
        try require(rowStride >= columns, "\(name()).rowStride", rowStride, "must be >= columns (\(columns))")
    }
}
