/// One named parameter tensor of a model.
public struct TensorSpec: Hashable, Sendable {
    public var name: String
    public var shape: [Int]
    public var trainable: Bool
    /// How many tensors of the reference model this one stacks along its first axis (the
    /// feed-forward layers): the L2 term counts each slice as its own tensor.
    public var slices: Int
    public init(_ name: String, _ shape: [Int], trainable: Bool, slices: Int = 1) {
        self.name = name; self.shape = shape; self.trainable = trainable; self.slices = slices
    }
    public var count: Int { shape.reduce(1, *) }
}

/// All parameters of a network in one flat Float buffer, with a gradient buffer of the same
/// layout (as in llm.c): optimizers and checkpoints work on flat ranges, cells and readouts
/// on named views.
public final class ParameterStore {
    public let specs: [TensorSpec]
    public let offsets: [Int]
    public let count: Int
    public let values: UnsafeMutablePointer<Float>
    public let gradients: UnsafeMutablePointer<Float>
    /// Ranges of trainable entries (adjacent trainable tensors merged).
    public let trainableRanges: [Range<Int>]
    /// Counts the changes of the values: whoever writes them (an optimizer step, an initialisation,
    /// a restored checkpoint) calls `valuesChanged()`, and whatever is derived from them (a
    /// transposed copy, a cached forward pass) compares the version it was made from.
    public private(set) var version = 0

    public func valuesChanged() { version &+= 1 }

    public init(_ specs: [TensorSpec]) {
        precondition(Set(specs.map(\.name)).count == specs.count, "parameter names must be unique")
        self.specs = specs
        var offsets: [Int] = [], total = 0
        for spec in specs { offsets.append(total); total += spec.count }
        self.offsets = offsets
        count = total
        values = .allocate(capacity: max(1, total))
        values.initialize(repeating: 0, count: max(1, total))
        gradients = .allocate(capacity: max(1, total))
        gradients.initialize(repeating: 0, count: max(1, total))
        var ranges: [Range<Int>] = []
        for (spec, offset) in zip(specs, offsets) where spec.trainable && spec.count > 0 {
            if let last = ranges.last, last.upperBound == offset {
                ranges[ranges.count - 1] = last.lowerBound..<(offset + spec.count)
            } else {
                ranges.append(offset..<(offset + spec.count))
            }
        }
        trainableRanges = ranges
    }

    deinit {
        values.deallocate()
        gradients.deallocate()
    }

    private func index(of name: String) -> Int {
        guard let index = specs.firstIndex(where: { $0.name == name }) else {
            preconditionFailure("no parameter named \(name)")
        }
        return index
    }

    public func spec(_ name: String) -> TensorSpec { specs[index(of: name)] }
    public func contains(_ name: String) -> Bool { specs.contains { $0.name == name } }

    /// The values of parameter `name`.
    public func values(_ name: String) -> UnsafeMutablePointer<Float> { values + offsets[index(of: name)] }
    /// The gradient of parameter `name`.
    public func gradients(_ name: String) -> UnsafeMutablePointer<Float> { gradients + offsets[index(of: name)] }

    public func zeroGradients() {
        for range in trainableRanges { (gradients + range.lowerBound).update(repeating: 0, count: range.count) }
    }

    /// A copy of all values (a checkpoint).
    public func snapshot() -> [Float] { Array(UnsafeBufferPointer(start: values, count: count)) }

    /// Replaces every value with `snapshot` (a copy from `snapshot()`), as a new version.
    public func restore(_ snapshot: [Float]) {
        precondition(snapshot.count == count)
        snapshot.withUnsafeBufferPointer { values.update(from: $0.baseAddress!, count: count) }
        valuesChanged()
    }

    /// True if every value is finite.
    public func allFinite() -> Bool {
        for i in 0..<count where !values[i].isFinite { return false }
        return true
    }
}
