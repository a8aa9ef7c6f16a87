/// A trial's state as named arrays: what a family saves in a checkpoint at a point where its state
/// is complete (an epoch boundary), and reads back to continue bit-identically after a drain or a
/// kill. Weights, optimizer moments, schedules, curriculum positions and the metrics filled so far
/// all fit: flat Float, Double and Int64 arrays. Random streams need no entry when they are keyed
/// by the epoch (as every family's are).
///
/// The encoding is deterministic (entries sorted by name) and little-endian:
///   "expstate", UInt32 entry count, then per entry: UInt32 name length, name (UTF-8),
///   UInt8 type (0 Float32, 1 Float64, 2 Int64), UInt64 count, the values.
public struct ExperimentState: Equatable, Sendable {
    public enum Values: Equatable, Sendable {
        case float([Float])
        case double([Double])
        case integer([Int64])
    }

    public private(set) var entries: [String: Values] = [:]

    public init() {}

    public subscript(name: String) -> Values? {
        get { entries[name] }
        set { entries[name] = newValue }
    }

    /// Copies `count` Floats from `pointer` under `name`.
    public mutating func store(_ name: String, _ pointer: UnsafePointer<Float>, count: Int) {
        entries[name] = .float(Array(UnsafeBufferPointer(start: pointer, count: count)))
    }

    /// Copies the Floats saved under `name` to `pointer`; throws unless exactly `count` are there.
    public func load(_ name: String, into pointer: UnsafeMutablePointer<Float>, count: Int) throws(ExperimentStateError) {
        guard case .float(let values)? = entries[name], values.count == count else {
            throw ExperimentStateError("no \(count) Float values named \(name)")
        }
        values.withUnsafeBufferPointer { pointer.update(from: $0.baseAddress!, count: count) }
    }

    public func doubles(_ name: String, count: Int? = nil) throws(ExperimentStateError) -> [Double] {
        guard case .double(let values)? = entries[name], count == nil || values.count == count else {
            throw ExperimentStateError("no Double values named \(name)" + (count.map { " (\($0) expected)" } ?? ""))
        }
        return values
    }

    public func integers(_ name: String, count: Int? = nil) throws(ExperimentStateError) -> [Int64] {
        guard case .integer(let values)? = entries[name], count == nil || values.count == count else {
            throw ExperimentStateError("no Int64 values named \(name)" + (count.map { " (\($0) expected)" } ?? ""))
        }
        return values
    }

    public func integer(_ name: String) throws(ExperimentStateError) -> Int {
        Int(try integers(name, count: 1)[0])
    }

    private static let magic = Array("expstate".utf8)

    public func encoded() -> [UInt8] {
        var bytes = Self.magic
        func append<T: FixedWidthInteger>(_ value: T) { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        append(UInt32(entries.count))
        for name in entries.keys.sorted() {
            let utf8 = Array(name.utf8)
            append(UInt32(utf8.count))
            bytes += utf8
            switch entries[name]! {
            case .float(let values):
                bytes.append(0); append(UInt64(values.count))
                for value in values { append(value.bitPattern) }
            case .double(let values):
                bytes.append(1); append(UInt64(values.count))
                for value in values { append(value.bitPattern) }
            case .integer(let values):
                bytes.append(2); append(UInt64(values.count))
                for value in values { append(value) }
            }
        }
        return bytes
    }

    public init(decoding bytes: [UInt8]) throws(ExperimentStateError) {
        var offset = 0
        func take(_ count: Int) throws(ExperimentStateError) -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count else { throw ExperimentStateError("truncated at byte \(offset)") }
            defer { offset += count }
            return bytes[offset..<(offset + count)]
        }
        func read<T: FixedWidthInteger>(_ type: T.Type) throws(ExperimentStateError) -> T {
            let slice = try take(MemoryLayout<T>.size)
            var value = T.zero
            for (shift, byte) in slice.enumerated() { value |= T(truncatingIfNeeded: byte) << (8 * shift) }
            return value
        }
        guard Array(try take(Self.magic.count)) == Self.magic else { throw ExperimentStateError("not an experiment state") }
        let count = try read(UInt32.self)
        for _ in 0..<count {
            let length = try read(UInt32.self)
            let name = String(decoding: try take(Int(length)), as: UTF8.self)
            let type = try read(UInt8.self)
            let values = try read(UInt64.self)
            guard values <= UInt64(bytes.count) else { throw ExperimentStateError("entry \(name) claims \(values) values") }
            switch type {
            case 0: entries[name] = .float(try (0..<Int(values)).map { _ throws(ExperimentStateError) in Float(bitPattern: try read(UInt32.self)) })
            case 1: entries[name] = .double(try (0..<Int(values)).map { _ throws(ExperimentStateError) in Double(bitPattern: try read(UInt64.self)) })
            case 2: entries[name] = .integer(try (0..<Int(values)).map { _ throws(ExperimentStateError) in try read(Int64.self) })
            default: throw ExperimentStateError("entry \(name) has unknown type \(type)")
            }
        }
        guard offset == bytes.count else { throw ExperimentStateError("\(bytes.count - offset) bytes after the last entry") }
    }
}

/// A checkpoint that cannot be read (or does not fit the experiment): the trial starts over.
public struct ExperimentStateError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}
