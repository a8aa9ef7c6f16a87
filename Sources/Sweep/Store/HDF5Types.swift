import CHDF5

/// The element types the results file uses.
enum H5ElementType: Equatable {
    case float64
    case int64
    case int32
    case int8
    /// A fixed-length, zero-padded UTF-8 string of this many bytes.
    case fixedString(Int)

    /// An HDF5 type id for this element type; `release` must be called when done with it.
    func makeTypeId() throws -> H5TypeId {
        switch self {
        case .float64: return H5TypeId(id: chdf5_native_double(), owned: false)
        case .int64: return H5TypeId(id: chdf5_native_int64(), owned: false)
        case .int32: return H5TypeId(id: chdf5_native_int32(), owned: false)
        case .int8: return H5TypeId(id: chdf5_native_int8(), owned: false)
        case .fixedString(let size):
            let id = try h5Id(H5Tcopy(chdf5_c_s1()), "cannot make a string type")
            let type = H5TypeId(id: id, owned: true)
            // HDF5 rejects zero-sized strings; an empty column is stored as one zero byte.
            try h5Check(H5Tset_size(id, max(1, size)), "cannot size a string type")
            try h5Check(H5Tset_strpad(id, H5T_STR_NULLPAD), "cannot set string padding")
            try h5Check(H5Tset_cset(id, H5T_CSET_UTF8), "cannot set string encoding")
            return type
        }
    }

    /// Classifies a dataset's or attribute's stored type; nil for types the store never writes.
    static func classify(_ typeId: hid_t) -> H5ElementType? {
        switch H5Tget_class(typeId) {
        case H5T_FLOAT:
            return .float64
        case H5T_INTEGER:
            switch H5Tget_size(typeId) {
            case 1: return .int8
            case 2, 4: return .int32
            default: return .int64
            }
        case H5T_STRING:
            if H5Tis_variable_str(typeId) > 0 { return nil }
            return .fixedString(H5Tget_size(typeId))
        default:
            return nil
        }
    }

    var byteCount: Int {
        switch self {
        case .float64, .int64: 8
        case .int32: 4
        case .int8: 1
        case .fixedString(let size): max(1, size)
        }
    }
}

/// A type id that is closed after use when the store created it.
struct H5TypeId {
    let id: hid_t
    let owned: Bool
    func release() { if owned { H5Tclose(id) } }
}

/// Fixed-length string packing: each string is cut to `size` bytes (at a character boundary)
/// and zero-padded.
enum FixedStrings {
    static func pack(_ strings: [String], size: Int) -> [UInt8] {
        let width = max(1, size)
        var bytes = [UInt8](repeating: 0, count: strings.count * width)
        for (index, string) in strings.enumerated() {
            let utf8 = truncatedUTF8(string, maxBytes: width)
            for (offset, byte) in utf8.enumerated() { bytes[index * width + offset] = byte }
        }
        return bytes
    }

    static func unpack(_ bytes: [UInt8], size: Int) -> [String] {
        let width = max(1, size)
        guard bytes.count >= width else { return [] }
        return (0..<(bytes.count / width)).map { index in
            let field = bytes[(index * width)..<((index + 1) * width)]
            let end = field.firstIndex(of: 0) ?? field.endIndex
            return String(decoding: field[field.startIndex..<end], as: UTF8.self)
        }
    }

    /// The longest UTF-8 prefix of `string` of at most `maxBytes` bytes that ends on a character.
    static func truncatedUTF8(_ string: String, maxBytes: Int) -> [UInt8] {
        let utf8 = Array(string.utf8)
        guard utf8.count > maxBytes else { return utf8 }
        var end = maxBytes
        // Back off continuation bytes (10xxxxxx) so that no character is cut in half.
        while end > 0 && (utf8[end] & 0xC0) == 0x80 { end -= 1 }
        return Array(utf8[0..<end])
    }

    static func byteLength(_ string: String) -> Int { string.utf8.count }
}
