/// Named choices of the latent_dynamics family's parameters.

/// The chaotic systems behind the synthetic data sets (dysts 0.1's definitions, parameters and
/// initial conditions; docs/families/latent_dynamics.md).
public enum ChaoticSystemKind: String, Sendable, CaseIterable {
    case arneodo, lorenz, rossler
    /// Mackey-Glass delay equation, observed through a 10-dimensional delay embedding.
    case mackeyGlass = "mackey_glass"

    /// The names of dysts and of the reference's data-module configs.
    static let aliases: [String: ChaoticSystemKind] = ["Arneodo": .arneodo, "Lorenz": .lorenz, "Rossler": .rossler,
                                                       "MackeyGlass": .mackeyGlass]
}

/// The sequential autoencoder's decoder, named as the reference's model configs (the ablations
/// without their "ablationK_" prefix). A model fixes the architecture and the defaults of the
/// training hyperparameters (the reference's configs/model/*.yaml).
public enum LatentModel: String, Sendable, CaseIterable {
    /// GRUCell(0, L) unrolled from the initial condition.
    case gru
    /// Neural ODE ż = MLP(z) on t ∈ [0, 1], integrated by RK4 (the reference: torchdyn's Tsit5).
    case node
    /// z_t = z_{t−1} + dt·MLP([0, z_{t−1}]) (the reference's AblatedNODECell; ablation0 at L = 3).
    case nodeDiscrete = "node-discrete"
    /// z_t = MLP([0, z_{t−1}]): no residual pass-through.
    case rmPass = "rm-pass"
    /// z_t = z_{t−1} + dt·tanh(W z_{t−1} + b): no MLP.
    case rmMlp = "rm-mlp"
    /// node-discrete without the time curriculum (ppg 70, epg 3000) at lr 1e-2.
    case rmGradual = "rm-gradual"
    /// z_t = tanh(W z_{t−1} + b): a plain RNNCell.
    case vanilla

    static let aliases: [String: LatentModel] = [
        "ablation0_baseline": .nodeDiscrete, "ablation1_rm-pass": .rmPass, "ablation2_rm-mlp": .rmMlp,
        "ablation3_rm-gradual": .rmGradual, "ablation4_vanilla": .vanilla]

    /// The reference config's defaults: learning rate, weight decay, points per group, epochs per
    /// group, latent size.
    var defaults: (learningRate: Double, weightDecay: Double, pointsPerGroup: Int, epochsPerGroup: Int, latentSize: Int) {
        switch self {
        case .gru: (1e-3, 1e-4, 70, 3000, 25)
        case .node: (5e-3, 1e-5, 5, 150, 3)
        case .nodeDiscrete: (5e-4, 0, 20, 500, 10)
        case .rmPass: (1e-3, 0, 20, 500, 3)
        case .rmMlp: (1e-2, 0, 20, 500, 3)
        case .rmGradual: (1e-2, 0, 70, 3000, 3)
        case .vanilla: (1e-2, 0, 70, 3000, 3)
        }
    }

    /// How the decoder maps a state to the next.
    var decoder: DecoderKind {
        switch self {
        case .gru: .gru
        case .node: .ode
        case .nodeDiscrete, .rmGradual: .perceptron(residual: true)
        case .rmPass: .perceptron(residual: false)
        case .rmMlp: .tanhLayer(residual: true)
        case .vanilla: .tanhLayer(residual: false)
        }
    }
}

/// The decoder architectures behind the models.
enum DecoderKind: Equatable {
    case gru
    /// RK4 steps of an MLP vector field; the outputs include z(0).
    case ode
    /// z' = [z +] dt·MLP(z) (dt = 1 without the residual).
    case perceptron(residual: Bool)
    /// z' = [z +] dt·tanh(W z + b_ih + b_hh) (dt = 1 without the residual).
    case tanhLayer(residual: Bool)

    var usesPerceptron: Bool {
        switch self {
        case .ode, .perceptron: true
        case .gru, .tanhLayer: false
        }
    }

    var isResidual: Bool {
        switch self {
        case .perceptron(let residual), .tanhLayer(let residual): residual
        case .gru, .ode: false
        }
    }
}

/// The activation of the decoders' MLP (the reference: Tanh at its last commit, ReLU in the code
/// that trained its shipped ablation runs).
public enum MLPActivation: String, Sendable, CaseIterable {
    case tanh, relu

    var nonlinearity: Nonlinearity { self == .tanh ? .tanh : .relu }
}

/// The purposes of the family's random streams (docs/architecture.md): weights and training
/// randomness keyed by the trial's `seed`, the data set keyed by `data_seed`.
enum LatentStream {
    static let weights = RandomPurpose(rawValue: 1)
    static let batchOrder = RandomPurpose(rawValue: 2)
    static let dropout = RandomPurpose(rawValue: 3)
    static let readout = RandomPurpose(rawValue: 11)
    static let spikes = RandomPurpose(rawValue: 12)
    static let split = RandomPurpose(rawValue: 13)
    static let delayHistory = RandomPurpose(rawValue: 14)
}
