import Foundation

/// The network a controller modulates: it turns the mixture x_t into the output y_t (and a middle
/// population z_t) with the modulation state left by the previous step, and moves that state towards
/// what the controller's outputs u_t ask for. Every operation works on a batch of B independent
/// elements; the state of one element is `stateSize` floats.
///
///   state [B, S], x and y [B, 2], z [B, Nz], u [B, O]
protocol SensoryNetwork: AnyObject {
    /// S: floats of modulation state per element.
    var stateSize: Int { get }
    /// Nz: units of the middle population (0 when there is none).
    var middleSize: Int { get }
    /// O: controller outputs the state update reads.
    var controlSize: Int { get }

    /// The state at the start of a run: no modulation (the DaleRateNet's gains drawn around 1/2
    /// with standard deviation `gainSD`).
    func initialState(_ state: UnsafeMutablePointer<Float>, batch: Int, gainSD: Double, stream: inout RandomStream)

    /// y_t (and z_t when `middle` is given) from the previous state and x_t. With `tapeStep`, keeps
    /// what `outputBackward` of that training step needs.
    func output(state: UnsafePointer<Float>, x: UnsafePointer<Float>, y: UnsafeMutablePointer<Float>,
                middle: UnsafeMutablePointer<Float>?, batch: Int, tapeStep: Int?)

    /// The next state from the previous one and u_t. `frozen` holds the modulation (the freeze
    /// experiment: the feedback is blocked but the controller keeps running).
    func update(previous: UnsafePointer<Float>, controls: UnsafePointer<Float>, next: UnsafeMutablePointer<Float>,
                batch: Int, frozen: Bool)

    /// Back-propagates dL/dy_t of taped step t into dL/d(previous state), which it accumulates.
    func outputBackward(step t: Int, state: UnsafePointer<Float>, x: UnsafePointer<Float>, dY: UnsafePointer<Float>,
                        dState: UnsafeMutablePointer<Float>, batch: Int)

    /// Back-propagates dL/d(next state) through `update`: writes dL/du_t and dL/d(previous state)
    /// (overwritten: the update is the first use of the previous state on the way back).
    func updateBackward(previous: UnsafePointer<Float>, next: UnsafePointer<Float>, dNext: UnsafePointer<Float>,
                        dControls: UnsafeMutablePointer<Float>, dPrevious: UnsafeMutablePointer<Float>, batch: Int)

    /// The linear map from x to y of one element's state (row-major 2x2), where there is one (not
    /// for the DaleRateNet, which rectifies).
    func effectiveReadout(state: UnsafePointer<Float>) -> SIMD4<Float>?
}

/// Sizes of the modulation state, from the config alone.
enum SensoryNetworkState {
    static func size(_ c: FeedbackConfig) -> Int {
        switch c.model {
        case .modulation: 4
        case .spatial: c.Nz
        case .dale: c.Nm + c.Nz
        }
    }
}

/// The leaky integration every model's modulation follows, M_t = M_{t−1} + (target − M_{t−1}) / τ,
/// with its backward pass, in the reference's operation order.
struct LeakyIntegration {
    let tau: Float

    @inline(__always)
    func step(previous m: Float, target: Float) -> Float { m + (target - m) / tau }

    /// dL/dM_{t−1} from dL/dM_t (the dependence through the leak).
    @inline(__always)
    func previousGradient(_ dNext: Float) -> Float { dNext * (1 - 1 / tau) }

    /// dL/dtarget from dL/dM_t.
    @inline(__always)
    func targetGradient(_ dNext: Float) -> Float { dNext / tau }
}

/// The modulation kernel of SpatialNet and DaleRateNet, W_m [Nz, Nm]: unit i at θ_i = 2πi/Nz on a
/// circle receives modulator k with weight exp(cos(θ_i − 2πk/Nm) / κ), normalised to a maximum of 1
/// per modulator; κ = 0 gives Nz/Nm-unit boxes, κ >= 10 a flat kernel (the reference's cases).
enum ModulationKernel {
    static func fill(_ wm: UnsafeMutablePointer<Float>, units nz: Int, modulators nm: Int, width: Double) {
        wm.update(repeating: 0, count: nz * nm)
        if width == 0 {
            let block = nz / nm
            for k in 0..<nm { for i in (block * k)..<(block * (k + 1)) { wm[i * nm + k] = 1 } }
        } else if width >= 10 {
            wm.update(repeating: 1, count: nz * nm)
        } else {
            for k in 0..<nm {
                var column = [Double](repeating: 0, count: nz)
                for i in 0..<nz {
                    let location = Double(i) * (2 * Double.pi / Double(nz))      // np.linspace(0, 2π, Nz, endpoint=False)
                    column[i] = exp(1 / width * cos(location - 2 * Double.pi * Double(k) / Double(nm)))
                }
                let peak = column.max() ?? 1
                for i in 0..<nz { wm[i * nm + k] = Float(column[i] / peak) }
            }
        }
    }
}
