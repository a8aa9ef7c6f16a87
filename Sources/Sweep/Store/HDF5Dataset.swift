import CHDF5

/// The value a dataset holds before anything is written into it.
enum H5FillValue {
    case float64(Double)
    case int32(Int32)
    case int8(Int8)
}

/// A dataset whose first axis (if any) is the row (trial) axis.
final class H5Dataset {
    let id: hid_t
    let path: String
    let dims: [Int]
    let elementType: H5ElementType
    private var isOpen = true

    private init(id: hid_t, path: String, dims: [Int], elementType: H5ElementType) {
        self.id = id; self.path = path; self.dims = dims; self.elementType = elementType
    }

    /// Elements per row (product of all axes but the first).
    var rowElementCount: Int { dims.dropFirst().reduce(1, *) }
    var rowCount: Int { dims.first ?? 1 }
    var elementCount: Int { dims.reduce(1, *) }

    /// Creates a contiguous dataset whose whole extent is allocated, and filled, at creation
    /// (early allocation, fill at allocation): afterwards writes only overwrite allocated bytes,
    /// with no metadata change and no chunk cache that a killed process could lose.
    static func create(in group: H5Group, name: String, type: H5ElementType, dims: [Int],
                       fill: H5FillValue? = nil) throws -> H5Dataset {
        let path = group.childPath(name)
        let typeId = try type.makeTypeId()
        defer { typeId.release() }
        let space = try makeSpace(dims: dims, path: path)
        defer { H5Sclose(space) }
        let properties = try h5Id(H5Pcreate(chdf5_p_dataset_create()), "cannot make properties for \(path)")
        defer { H5Pclose(properties) }
        try h5Check(H5Pset_layout(properties, H5D_CONTIGUOUS), "cannot lay out \(path)")
        try h5Check(H5Pset_alloc_time(properties, H5D_ALLOC_TIME_EARLY), "cannot allocate \(path)")
        try h5Check(H5Pset_fill_time(properties, H5D_FILL_TIME_ALLOC), "cannot set fill time of \(path)")
        if let fill {
            let status: herr_t
            switch fill {
            case .float64(var value): status = H5Pset_fill_value(properties, chdf5_native_double(), &value)
            case .int32(var value): status = H5Pset_fill_value(properties, chdf5_native_int32(), &value)
            case .int8(var value): status = H5Pset_fill_value(properties, chdf5_native_int8(), &value)
            }
            try h5Check(status, "cannot set the fill value of \(path)")
        }
        let id = H5Dcreate2(group.id, name, typeId.id, space, chdf5_p_default(), properties, chdf5_p_default())
        if id < 0 { throw HDF5Library.failure(.io, "cannot create \(path)") }
        return H5Dataset(id: id, path: path, dims: dims, elementType: type)
    }

    static func open(in group: H5Group, name: String) throws -> H5Dataset {
        let path = group.childPath(name)
        let id = try h5Id(H5Dopen2(group.id, name, chdf5_p_default()), "cannot open \(path)")
        let space = H5Dget_space(id)
        defer { if space >= 0 { H5Sclose(space) } }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        var extent = [hsize_t](repeating: 0, count: max(rank, 1))
        if rank > 0 { H5Sget_simple_extent_dims(space, &extent, nil) }
        let fileType = H5Dget_type(id)
        defer { if fileType >= 0 { H5Tclose(fileType) } }
        guard space >= 0, rank >= 0, fileType >= 0, let type = H5ElementType.classify(fileType) else {
            H5Dclose(id)
            throw StoreError(.notResultsFile, "\(path) has a type or shape the results file never uses")
        }
        return H5Dataset(id: id, path: path, dims: extent.prefix(rank).map { Int($0) }, elementType: type)
    }

    private static func makeSpace(dims: [Int], path: String) throws -> hid_t {
        if dims.isEmpty { return try h5Id(H5Screate(H5S_SCALAR), "cannot make the space of \(path)") }
        let extent = dims.map { hsize_t($0) }
        return try h5Id(H5Screate_simple(Int32(extent.count), extent, nil), "cannot make the space of \(path)")
    }

    // MARK: Writing

    /// Writes the whole dataset from `buffer` (elements of `type`, row-major).
    func writeAll(_ buffer: UnsafeRawBufferPointer, as type: H5ElementType) throws {
        let memoryType = try type.makeTypeId()
        defer { memoryType.release() }
        try h5Check(H5Dwrite(id, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress),
                    "writing \(path) failed")
    }

    /// Writes whole rows: `rows` ascending and distinct, `buffer` holds them packed in that order.
    /// Consecutive rows form one hyperslab, so a batch costs one H5Dwrite per dataset.
    func writeRows(_ rows: [Int], _ buffer: UnsafeRawBufferPointer, as type: H5ElementType) throws {
        guard !rows.isEmpty else { return }
        let (fileSpace, memorySpace) = try rowSelection(rows)
        defer { H5Sclose(fileSpace); H5Sclose(memorySpace) }
        let memoryType = try type.makeTypeId()
        defer { memoryType.release() }
        try h5Check(H5Dwrite(id, memoryType.id, memorySpace, fileSpace, chdf5_p_default(), buffer.baseAddress),
                    "writing rows of \(path) failed")
    }

    func writeAll(doubles values: [Double]) throws {
        try values.withUnsafeBytes { raw in try writeAll(raw, as: .float64) }
    }
    func writeAll(int64s values: [Int64]) throws {
        try values.withUnsafeBytes { raw in try writeAll(raw, as: .int64) }
    }
    func writeAll(int32s values: [Int32]) throws {
        try values.withUnsafeBytes { raw in try writeAll(raw, as: .int32) }
    }
    func writeAll(int8s values: [Int8]) throws {
        try values.withUnsafeBytes { raw in try writeAll(raw, as: .int8) }
    }
    func writeAll(strings values: [String]) throws {
        guard case .fixedString(let size) = elementType else {
            throw StoreError(.io, "\(path) is not a string dataset")
        }
        let packed = FixedStrings.pack(values, size: size)
        try packed.withUnsafeBytes { raw in try writeAll(raw, as: .fixedString(size)) }
    }

    // MARK: Reading

    /// Reads `rows` (a range of the first axis; the whole dataset when nil) as `type`, converting
    /// from the stored type where HDF5 can.
    func readRaw(rows: Range<Int>? = nil, as type: H5ElementType, into buffer: UnsafeMutableRawBufferPointer) throws {
        let memoryType = try type.makeTypeId()
        defer { memoryType.release() }
        if let rows, !dims.isEmpty {
            guard !rows.isEmpty else { return }
            let (fileSpace, memorySpace) = try rowSelection(Array(rows))
            defer { H5Sclose(fileSpace); H5Sclose(memorySpace) }
            try h5Check(H5Dread(id, memoryType.id, memorySpace, fileSpace, chdf5_p_default(), buffer.baseAddress),
                        "reading \(path) failed")
        } else {
            guard elementCount > 0 else { return }
            try h5Check(H5Dread(id, memoryType.id, chdf5_s_all(), chdf5_s_all(), chdf5_p_default(), buffer.baseAddress),
                        "reading \(path) failed")
        }
    }

    private func selectedCount(_ rows: Range<Int>?) -> Int {
        guard let rows, !dims.isEmpty else { return elementCount }
        return rows.count * rowElementCount
    }

    func readDoubles(rows: Range<Int>? = nil) throws -> [Double] {
        var values = [Double](repeating: .nan, count: selectedCount(rows))
        try values.withUnsafeMutableBytes { raw in try readRaw(rows: rows, as: .float64, into: raw) }
        return values
    }
    func readInt64s(rows: Range<Int>? = nil) throws -> [Int64] {
        var values = [Int64](repeating: 0, count: selectedCount(rows))
        try values.withUnsafeMutableBytes { raw in try readRaw(rows: rows, as: .int64, into: raw) }
        return values
    }
    func readInt32s(rows: Range<Int>? = nil) throws -> [Int32] {
        var values = [Int32](repeating: 0, count: selectedCount(rows))
        try values.withUnsafeMutableBytes { raw in try readRaw(rows: rows, as: .int32, into: raw) }
        return values
    }
    func readInt8s(rows: Range<Int>? = nil) throws -> [Int8] {
        var values = [Int8](repeating: 0, count: selectedCount(rows))
        try values.withUnsafeMutableBytes { raw in try readRaw(rows: rows, as: .int8, into: raw) }
        return values
    }
    func readStrings(rows: Range<Int>? = nil) throws -> [String] {
        guard case .fixedString(let size) = elementType else {
            throw StoreError(.notResultsFile, "\(path) is not a fixed-length string dataset")
        }
        var bytes = [UInt8](repeating: 0, count: selectedCount(rows) * max(1, size))
        try bytes.withUnsafeMutableBytes { raw in
            try readRaw(rows: rows, as: .fixedString(size), into: raw)
        }
        return FixedStrings.unpack(bytes, size: size)
    }

    /// File and memory dataspaces selecting whole rows: consecutive rows become one hyperslab,
    /// the rest are OR-ed in (HDF5 then walks the selection in ascending row order, which is
    /// why `rows` must be ascending).
    private func rowSelection(_ rows: [Int]) throws -> (file: hid_t, memory: hid_t) {
        let fileSpace = try h5Id(H5Dget_space(id), "cannot select rows of \(path)")
        let tail = dims.dropFirst().map { hsize_t($0) }
        var runStart = 0
        var first = true
        var status: herr_t = 0
        while runStart < rows.count && status >= 0 {
            var runEnd = runStart + 1
            while runEnd < rows.count && rows[runEnd] == rows[runEnd - 1] + 1 { runEnd += 1 }
            let start = [hsize_t(rows[runStart])] + tail.map { _ in 0 }
            let count = [hsize_t(runEnd - runStart)] + tail
            status = H5Sselect_hyperslab(fileSpace, first ? H5S_SELECT_SET : H5S_SELECT_OR, start, nil, count, nil)
            first = false
            runStart = runEnd
        }
        if status < 0 {
            H5Sclose(fileSpace)
            throw HDF5Library.failure(.io, "cannot select rows of \(path)")
        }
        let memoryExtent = [hsize_t(rows.count)] + tail
        let memorySpace = H5Screate_simple(Int32(memoryExtent.count), memoryExtent, nil)
        if memorySpace < 0 {
            H5Sclose(fileSpace)
            throw HDF5Library.failure(.io, "cannot select rows of \(path)")
        }
        return (fileSpace, memorySpace)
    }

    func close() {
        guard isOpen else { return }
        isOpen = false
        H5Dclose(id)
    }

    deinit { if isOpen { H5Dclose(id) } }
}
