import CHDF5

/// Attributes of one object (the file root, a group or a dataset).
struct H5Attributes {
    let objectId: hid_t
    /// The object's path, for error messages.
    let path: String

    func contains(_ name: String) -> Bool { H5Aexists(objectId, name) > 0 }

    /// Sets a scalar fixed-length string attribute. An existing attribute of the same length is
    /// overwritten in place (no object-header change), anything else is replaced.
    func set(_ name: String, string value: String) throws {
        let bytes = Array(value.utf8)
        try write(name, type: .fixedString(bytes.count), dims: []) { attribute, memoryType in
            var padded = bytes.isEmpty ? [0] : bytes
            return H5Awrite(attribute, memoryType, &padded)
        }
    }

    func set(_ name: String, int64 value: Int64) throws {
        try write(name, type: .int64, dims: []) { attribute, memoryType in
            var copy = value
            return H5Awrite(attribute, memoryType, &copy)
        }
    }

    /// A 1-D array of fixed-length strings (as long as the longest one).
    func set(_ name: String, strings values: [String]) throws {
        let width = max(1, values.map { $0.utf8.count }.max() ?? 1)
        let packed = FixedStrings.pack(values, size: width)
        try write(name, type: .fixedString(width), dims: [values.count]) { attribute, memoryType in
            packed.withUnsafeBytes { H5Awrite(attribute, memoryType, $0.baseAddress) }
        }
    }

    private func write(_ name: String, type: H5ElementType, dims: [Int],
                       _ body: (hid_t, hid_t) -> herr_t) throws {
        let typeId = try type.makeTypeId()
        defer { typeId.release() }
        if contains(name) {
            let existing = try h5Id(H5Aopen(objectId, name, chdf5_p_default()), "cannot open attribute \(name) of \(path)")
            let storedType = H5Aget_type(existing)
            let sameType = storedType >= 0 && H5Tequal(storedType, typeId.id) > 0 && storedDims(existing) == dims
            if storedType >= 0 { H5Tclose(storedType) }
            if sameType {
                defer { H5Aclose(existing) }
                try h5Check(body(existing, typeId.id), "writing attribute \(name) of \(path) failed")
                return
            }
            H5Aclose(existing)
            try h5Check(H5Adelete(objectId, name), "cannot replace attribute \(name) of \(path)")
        }
        let space: hid_t
        if dims.isEmpty {
            space = try h5Id(H5Screate(H5S_SCALAR), "cannot make attribute \(name) of \(path)")
        } else {
            let extent = dims.map { hsize_t($0) }
            space = try h5Id(H5Screate_simple(Int32(extent.count), extent, nil), "cannot make attribute \(name) of \(path)")
        }
        defer { H5Sclose(space) }
        let attribute = try h5Id(H5Acreate2(objectId, name, typeId.id, space, chdf5_p_default(), chdf5_p_default()),
                                 "cannot create attribute \(name) of \(path)")
        defer { H5Aclose(attribute) }
        try h5Check(body(attribute, typeId.id), "writing attribute \(name) of \(path) failed")
    }

    private func storedDims(_ attribute: hid_t) -> [Int] {
        let space = H5Aget_space(attribute)
        guard space >= 0 else { return [-1] }
        defer { H5Sclose(space) }
        let rank = Int(H5Sget_simple_extent_ndims(space))
        guard rank > 0 else { return [] }
        var extent = [hsize_t](repeating: 0, count: rank)
        H5Sget_simple_extent_dims(space, &extent, nil)
        return extent.map { Int($0) }
    }

    // MARK: Reading (nil when missing or of another kind)

    func string(_ name: String) -> String? {
        strings(name, scalarOnly: true)?.first
    }

    func strings(_ name: String) -> [String]? {
        strings(name, scalarOnly: false)
    }

    private func strings(_ name: String, scalarOnly: Bool) -> [String]? {
        guard contains(name) else { return nil }
        let attribute = H5Aopen(objectId, name, chdf5_p_default())
        guard attribute >= 0 else { H5Eclear2(chdf5_e_default()); return nil }
        defer { H5Aclose(attribute) }
        let dims = storedDims(attribute)
        if scalarOnly && !(dims.isEmpty || dims == [1]) { return nil }
        let storedType = H5Aget_type(attribute)
        guard storedType >= 0 else { return nil }
        defer { H5Tclose(storedType) }
        guard case .fixedString(let size)? = H5ElementType.classify(storedType) else { return nil }
        let count = dims.reduce(1, *)
        var bytes = [UInt8](repeating: 0, count: count * max(1, size))
        let status = bytes.withUnsafeMutableBytes { H5Aread(attribute, storedType, $0.baseAddress) }
        guard status >= 0 else { H5Eclear2(chdf5_e_default()); return nil }
        return FixedStrings.unpack(bytes, size: size)
    }

    func int64(_ name: String) -> Int64? {
        guard contains(name) else { return nil }
        let attribute = H5Aopen(objectId, name, chdf5_p_default())
        guard attribute >= 0 else { H5Eclear2(chdf5_e_default()); return nil }
        defer { H5Aclose(attribute) }
        let storedType = H5Aget_type(attribute)
        guard storedType >= 0 else { return nil }
        defer { H5Tclose(storedType) }
        guard H5Tget_class(storedType) == H5T_INTEGER, [[], [1]].contains(storedDims(attribute)) else { return nil }
        var value: Int64 = 0
        guard H5Aread(attribute, chdf5_native_int64(), &value) >= 0 else { H5Eclear2(chdf5_e_default()); return nil }
        return value
    }
}

extension H5Group {
    var attributes: H5Attributes { H5Attributes(objectId: id, path: path) }
}

extension H5Dataset {
    var attributes: H5Attributes { H5Attributes(objectId: id, path: path) }
}
