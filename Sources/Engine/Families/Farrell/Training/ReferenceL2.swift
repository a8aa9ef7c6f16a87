/// The Farrell reference's L2 regulariser, kept as the reference computes it (it is not the usual
/// squared norm, so it is a part of this family rather than a kernel).
enum ReferenceL2 {
    /// The reference's L2 term (docs/families/farrell-spec.md C.1), reproduced as it is: λ · mean over all parameter tensors
    /// (frozen ones included; stacked layers count one tensor each) of ‖p‖_F / N — the
    /// non-squared norm. Adds its gradient λ/(P N) · p/‖p‖_F to trainable tensors and returns the
    /// term's value.
    static func add(_ parameters: ParameterStore, strength: Double, stateSize: Int) -> Float {
        l2(parameters, strength: strength, stateSize: stateSize, addGradient: true)
    }

    static func value(_ parameters: ParameterStore, strength: Double, stateSize: Int) -> Float {
        l2(parameters, strength: strength, stateSize: stateSize, addGradient: false)
    }

    private static func l2(_ parameters: ParameterStore, strength: Double, stateSize: Int, addGradient: Bool) -> Float {
        guard strength > 0 else { return 0 }
        let tensors = Double(parameters.specs.reduce(0) { $0 + $1.slices })
        var value = 0.0
        for (spec, offset) in zip(parameters.specs, parameters.offsets) where spec.slices > 0 {
            let sliceCount = spec.count / spec.slices
            for slice in 0..<spec.slices {
                let p = parameters.values + offset + slice * sliceCount
                var squared = 0.0
                for i in 0..<sliceCount { squared += Double(p[i]) * Double(p[i]) }
                let norm = squared.squareRoot()
                value += norm / Double(stateSize)
                if addGradient, spec.trainable, norm > 0 {
                    let factor = Float(strength / (tensors * Double(stateSize) * norm))
                    let g = parameters.gradients + offset + slice * sliceCount
                    for i in 0..<sliceCount { g[i] += factor * p[i] }
                }
            }
        }
        return Float(strength * value / tensors)
    }
}
