/// The delayed bit tasks of the reference (`generateInputOutput`): a stream of random bits, each
/// step's input 0 or I1, and at step t (0-based) the target
///   copy (level 0):     s_{t−d}
///   XOR of level h:     the parity of s_{t−d}, s_{t−2d}, …, s_{t−2^h d}
/// scored from `lossStart` on, the first step whose target depends only on bits already shown.
/// (The reference draws T + d bits and drops the first d; its first scored step targets a
/// dropped bit. Here every scored target is a function of the inputs.)
///   inputs [T, B] (row t = step t), targets [T − lossStart, B] (row t − lossStart)
public final class DelayedBitTask {
    public let level: Int, delay: Int, steps: Int, lossStart: Int
    public let amplitude: Float
    private let bits: UnsafeMutablePointer<UInt8>       // one sequence's bits [T]

    public init(level: Int, delay: Int, amplitude: Double, steps: Int, lossStart: Int) {
        precondition(level >= 0 && delay >= 1 && lossStart >= delay << level,
                     "DelayedBitTask: the loss must start at or after the oldest bit a target reads")
        self.level = level; self.delay = delay; self.steps = steps; self.lossStart = lossStart
        self.amplitude = Float(amplitude)
        bits = .allocate(capacity: max(1, steps))
    }

    deinit { bits.deallocate() }

    /// Draws `batch` sequences of T steps: inputs [T, batch] and, when given, targets
    /// [T − lossStart, batch]. Sequence b's bits are drawn in a block, step by step.
    public func draw(batch: Int, inputs: UnsafeMutablePointer<Float>, targets: UnsafeMutablePointer<Float>?,
                     stream: inout RandomStream) {
        for b in 0..<batch {
            for t in 0..<steps {
                bits[t] = UInt8(truncatingIfNeeded: stream.nextUInt32() & 1)
                inputs[t * batch + b] = bits[t] == 1 ? amplitude : 0
            }
            guard let targets else { continue }
            for t in lossStart..<steps { targets[(t - lossStart) * batch + b] = Float(target(at: t)) }
        }
    }

    /// The target at step t >= lossStart of the sequence in `bits`.
    @inline(__always)
    private func target(at t: Int) -> UInt8 {
        if level == 0 { return bits[t - delay] }
        var parity: UInt8 = 0
        for j in 1...(1 << level) { parity ^= bits[t - j * delay] }
        return parity
    }
}
