/// The parameter tensors of the sequential autoencoder, named as the reference model's
/// state_dict, with PyTorch's default initialisation ranges: every tensor U(−k, k) with
/// k = 1/√(fan_in) (nn.Linear's weights and biases, kaiming_uniform with a = √5) or k = 1/√H
/// (nn.GRU, nn.GRUCell, nn.RNNCell: every weight and bias).
/// Where the reference feeds a constant zero input (the decoders' input_size 1), the weights of
/// that input never change the output and are left out; the fan-in of the decoder MLP's first
/// layer still counts it (L + 1), as PyTorch's range does.
enum AutoencoderParameters {
    struct Tensor {
        var spec: TensorSpec
        /// Half-width of the uniform initial distribution.
        var bound: Double
    }

    static func tensors(_ c: LatentDynamicsConfig) -> [Tensor] {
        let n = c.obs_dim, h = c.encoder_size, l = c.latent_size, k = c.mlp_hidden_size
        func tensor(_ name: String, _ shape: [Int], bound: Double) -> Tensor {
            Tensor(spec: TensorSpec(name, shape, trainable: true), bound: bound)
        }
        let encoderBound = 1 / Double(h).squareRoot()
        var result: [Tensor] = []
        for suffix in ["", "_reverse"] {
            result += [tensor("encoder.weight_ih_l0" + suffix, [3 * h, n], bound: encoderBound),
                       tensor("encoder.weight_hh_l0" + suffix, [3 * h, h], bound: encoderBound),
                       tensor("encoder.bias_ih_l0" + suffix, [3 * h], bound: encoderBound),
                       tensor("encoder.bias_hh_l0" + suffix, [3 * h], bound: encoderBound)]
        }
        let icBound = 1 / Double(2 * h).squareRoot()
        result += [tensor("ic_linear.weight", [l, 2 * h], bound: icBound), tensor("ic_linear.bias", [l], bound: icBound)]
        let cellBound = 1 / Double(l).squareRoot()
        switch c.model.decoder {
        case .gru:
            result += [tensor("decoder.cell.weight_hh", [3 * l, l], bound: cellBound),
                       tensor("decoder.cell.bias_ih", [3 * l], bound: cellBound),
                       tensor("decoder.cell.bias_hh", [3 * l], bound: cellBound)]
        case .tanhLayer:
            result += [tensor("decoder.cell.weight_hh", [l, l], bound: cellBound),
                       tensor("decoder.cell.bias_ih", [l], bound: cellBound),
                       tensor("decoder.cell.bias_hh", [l], bound: cellBound)]
        case .perceptron:
            // The MLP sees [0, z]: fan-in L + 1.
            let firstBound = 1 / Double(l + 1).squareRoot(), secondBound = 1 / Double(k).squareRoot()
            result += [tensor(perceptronNames.firstWeight, [k, l], bound: firstBound),
                       tensor(perceptronNames.firstBias, [k], bound: firstBound),
                       tensor(perceptronNames.secondWeight, [l, k], bound: secondBound),
                       tensor(perceptronNames.secondBias, [l], bound: secondBound)]
        case .ode:
            let firstBound = 1 / Double(l).squareRoot(), secondBound = 1 / Double(k).squareRoot()
            result += [tensor(vectorFieldNames.firstWeight, [k, l], bound: firstBound),
                       tensor(vectorFieldNames.firstBias, [k], bound: firstBound),
                       tensor(vectorFieldNames.secondWeight, [l, k], bound: secondBound),
                       tensor(vectorFieldNames.secondBias, [l], bound: secondBound)]
        }
        let readoutBound = 1 / Double(l).squareRoot()
        result += [tensor("readout.weight", [n, l], bound: readoutBound), tensor("readout.bias", [n], bound: readoutBound)]
        return result
    }

    /// The names of a two-layer perceptron's tensors.
    struct PerceptronNames {
        var firstWeight: String, firstBias: String, secondWeight: String, secondBias: String
    }

    /// The discrete decoders' MLP (AblatedNODECell.mlp).
    static let perceptronNames = PerceptronNames(firstWeight: "decoder.cell.mlp.0.weight", firstBias: "decoder.cell.mlp.0.bias",
                                                 secondWeight: "decoder.cell.mlp.2.weight", secondBias: "decoder.cell.mlp.2.bias")
    /// The neural ODE's vector field (torchdyn's NeuralODE(vector_field), whose vf wraps it twice).
    static let vectorFieldNames = PerceptronNames(firstWeight: "decoder.vf.vf.vf.0.weight", firstBias: "decoder.vf.vf.vf.0.bias",
                                                  secondWeight: "decoder.vf.vf.vf.2.weight", secondBias: "decoder.vf.vf.vf.2.bias")

    static func specs(_ c: LatentDynamicsConfig) -> [TensorSpec] { tensors(c).map(\.spec) }

    /// Draws every tensor, in order, from the trial's weight stream.
    static func initialize(_ store: ParameterStore, _ c: LatentDynamicsConfig) {
        var stream = RandomStream(seed: c.seed, purpose: LatentStream.weights)
        for (tensor, offset) in zip(tensors(c), store.offsets) {
            let values = store.values + offset
            for i in 0..<tensor.spec.count { values[i] = Float((2 * stream.nextUniform() - 1) * tensor.bound) }
        }
    }
}
