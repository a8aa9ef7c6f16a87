import Foundation

/// One named array of a differential trace (scripts/reference/TRACE.md): row-major values and
/// their shape, in the element type the trace stores them as.
public enum TraceArray: Equatable, Sendable {
    case float32([Float], shape: [Int])
    case float64([Double], shape: [Int])
    case int32([Int32], shape: [Int])
    case int64([Int64], shape: [Int])
    case uint8([UInt8], shape: [Int])

    public var shape: [Int] {
        switch self {
        case .float32(_, let s), .float64(_, let s), .int32(_, let s), .int64(_, let s), .uint8(_, let s): s
        }
    }

    public var count: Int { shape.reduce(1, *) }

    /// The values as Float (integers converted).
    public var floats: [Float] {
        switch self {
        case .float32(let v, _): v
        case .float64(let v, _): v.map { Float($0) }
        case .int32(let v, _): v.map { Float($0) }
        case .int64(let v, _): v.map { Float($0) }
        case .uint8(let v, _): v.map { Float($0) }
        }
    }

    /// The values as Double.
    public var doubles: [Double] {
        switch self {
        case .float32(let v, _): v.map { Double($0) }
        case .float64(let v, _): v
        case .int32(let v, _): v.map { Double($0) }
        case .int64(let v, _): v.map { Double($0) }
        case .uint8(let v, _): v.map { Double($0) }
        }
    }

    /// The values as Int32 (floating-point values must be integral).
    public var int32s: [Int32] {
        switch self {
        case .int32(let v, _): v
        case .int64(let v, _): v.map { Int32(truncatingIfNeeded: $0) }
        case .uint8(let v, _): v.map { Int32($0) }
        case .float32(let v, _): v.map { Int32($0) }
        case .float64(let v, _): v.map { Int32($0) }
        }
    }
}

public struct NPYError: Error, CustomStringConvertible {
    public var description: String
}

/// The .npy format, version 1.0 (numpy.lib.format): magic "\x93NUMPY", version 1.0, a little-endian
/// UInt16 header length, an ASCII Python-literal header {'descr': ..., 'fortran_order': False,
/// 'shape': (...), } padded with spaces and a newline so that the data starts at a multiple of 64,
/// then the raw little-endian values in C (row-major) order. Only the dtypes of `TraceArray`
/// ('<f4', '<f8', '<i4', '<i8', '|u1') are written and read; Fortran order is refused.
public enum NPY {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    public static func encode(_ array: TraceArray) -> Data {
        let descr: String
        var payload = Data()
        switch array {
        case .float32(let v, _): descr = "<f4"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .float64(let v, _): descr = "<f8"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .int32(let v, _): descr = "<i4"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .int64(let v, _): descr = "<i8"; v.withUnsafeBytes { payload.append(contentsOf: $0) }
        case .uint8(let v, _): descr = "|u1"; payload.append(contentsOf: v)
        }
        let dims = array.shape.map(String.init)
        let shapeText = dims.count == 1 ? "(\(dims[0]),)" : "(\(dims.joined(separator: ", ")))"
        var header = "{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }"
        let unpadded = magic.count + 2 + 2 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data(magic)
        data.append(contentsOf: [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.append(payload)
        return data
    }

    public static func decode(_ data: Data) throws -> TraceArray {
        let bytes = [UInt8](data)
        guard bytes.count >= 10, Array(bytes[0..<6]) == magic else { throw NPYError(description: "not a .npy file") }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        switch major {
        case 1: headerLength = Int(bytes[8]) | Int(bytes[9]) << 8; headerStart = 10
        case 2, 3:
            guard bytes.count >= 12 else { throw NPYError(description: "truncated .npy header") }
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8 | Int(bytes[10]) << 16 | Int(bytes[11]) << 24
            headerStart = 12
        default: throw NPYError(description: ".npy version \(major) is not supported")
        }
        guard bytes.count >= headerStart + headerLength else { throw NPYError(description: "truncated .npy header") }
        let header = String(decoding: bytes[headerStart..<(headerStart + headerLength)], as: UTF8.self)
        func field(_ key: String) throws -> String {
            guard let range = header.range(of: "'\(key)':") else { throw NPYError(description: "header has no '\(key)'") }
            return String(header[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        let descrField = try field("descr")
        guard descrField.hasPrefix("'"), let end = descrField.dropFirst().firstIndex(of: "'") else {
            throw NPYError(description: "unreadable descr in \(header)")
        }
        let descr = String(descrField[descrField.index(after: descrField.startIndex)..<end])
        if try field("fortran_order").hasPrefix("True") { throw NPYError(description: "Fortran-order arrays are not supported") }
        let shapeField = try field("shape")
        guard shapeField.hasPrefix("("), let close = shapeField.firstIndex(of: ")") else {
            throw NPYError(description: "unreadable shape in \(header)")
        }
        let shape = try shapeField[shapeField.index(after: shapeField.startIndex)..<close]
            .split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            .map { text -> Int in
                guard let n = Int(text), n >= 0 else { throw NPYError(description: "bad dimension \(text)") }
                return n
            }
        let count = shape.reduce(1, *)
        let body = Array(bytes[(headerStart + headerLength)...])
        func values<T>(_: T.Type) throws -> [T] {
            guard body.count >= count * MemoryLayout<T>.size else {
                throw NPYError(description: "\(body.count) bytes of data for \(count) values of \(descr)")
            }
            return body.withUnsafeBytes { raw in (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * MemoryLayout<T>.size, as: T.self) } }
        }
        switch descr {
        case "<f4": return .float32(try values(Float.self), shape: shape)
        case "<f8": return .float64(try values(Double.self), shape: shape)
        case "<i4": return .int32(try values(Int32.self), shape: shape)
        case "<i8": return .int64(try values(Int64.self), shape: shape)
        case "|u1", "<u1", "|b1": return .uint8(try values(UInt8.self), shape: shape)
        default: throw NPYError(description: "dtype \(descr) is not a trace dtype (<f4, <f8, <i4, <i8, |u1)")
        }
    }
}
