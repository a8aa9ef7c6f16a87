/// A context: a 2x2 mixing matrix A of the sources and the unmixing target W* = A⁻¹, row-major.
public struct MixingContext: Sendable, Equatable {
    public var mixing: SIMD4<Float>
    public var inverse: SIMD4<Float>

    public init(mixing a: SIMD4<Float>) {
        mixing = a
        let a00 = Double(a[0]), a01 = Double(a[1]), a10 = Double(a[2]), a11 = Double(a[3])
        let det = a00 * a11 - a01 * a10
        inverse = SIMD4(Float(a11 / det), Float(-a01 / det), Float(-a10 / det), Float(a00 / det))
    }

    /// det A (from the Float32 entries, in Double).
    public var determinant: Double {
        Double(mixing[0]) * Double(mixing[3]) - Double(mixing[1]) * Double(mixing[2])
    }

    /// Draws contexts as data_maker.gen_mixing_mats(mix_type="random_norm"): entries U(0, 1) in
    /// Float32, each row divided by its sum, redrawn while |det A| <= threshold (< 1, so a draw is
    /// accepted with probability > 0.2 % at the largest threshold allowed).
    public static func draw(count: Int, threshold: Double, stream: inout RandomStream) -> [MixingContext] {
        var contexts: [MixingContext] = []
        contexts.reserveCapacity(count)
        while contexts.count < count {
            var a = SIMD4<Float>(Float(stream.nextUniform()), Float(stream.nextUniform()),
                                 Float(stream.nextUniform()), Float(stream.nextUniform()))
            let top = a[0] + a[1], bottom = a[2] + a[3]
            a = SIMD4(a[0] / top, a[1] / top, a[2] / bottom, a[3] / bottom)
            let context = MixingContext(mixing: a)
            if abs(context.determinant) > threshold { contexts.append(context) }
        }
        return contexts
    }
}
