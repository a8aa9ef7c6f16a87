import Foundation

/// The ablation and perturbation analyses of src/utils/accuracy_perturbation_ablation.py and
/// analysis/{ablations, perturbation_retraining}: the accuracy of the head of N classifying one
/// stream of Bernoulli(0.5) bits at every step after a warm-up (the target: the parity of the
/// last N bits, or whether the bit N − 1 steps back equals the current one),
///   ablation      with one of the `ablation_neurons` fastest and as many slowest neurons (by τ)
///                 silenced: its row and column of W_hh, its input weight and its weight in the
///                 evaluated head set to 0 (the reference zeroes head 0 whichever head it reads);
///   perturbation  with W_hh + ε ‖W_hh‖_F G / ‖G‖_F or τ + ε ‖τ‖ |g| / ‖g‖ (G, g standard normal,
///                 drawn afresh for every trial).
/// Every configuration sees the same input streams (paired comparisons).
///   bits [warmup + steps, trials], states [trials, H], logits per step [trials, 2]
final class RobustnessAnalyses {
    let config: TimescalesConfig
    let network: TimescaleNetwork
    let hidden: Int, trials: Int, length: Int
    let bits, initialStates, stateA, stateB, drive, input: UnsafeMutablePointer<Float>

    init(config: TimescalesConfig, network: TimescaleNetwork) {
        self.config = config
        self.network = network
        hidden = config.hidden_size
        trials = config.accuracy_trials
        length = config.accuracy_warmup + config.accuracy_steps
        bits = .allocate(capacity: length * trials)
        initialStates = .allocate(capacity: trials * hidden)
        stateA = .allocate(capacity: trials * hidden)
        stateB = .allocate(capacity: trials * hidden)
        drive = .allocate(capacity: trials * hidden)
        input = .allocate(capacity: trials)
    }

    deinit {
        bits.deallocate(); initialStates.deallocate(); stateA.deallocate(); stateB.deallocate()
        drive.deallocate(); input.deallocate()
    }

    /// Draws `trials` streams of bits and initial states: sequence r is column r of `bits`.
    private func drawInputs(_ stream: inout RandomStream) {
        for i in 0..<(length * trials) { bits[i] = stream.nextUniform() < 0.5 ? 1 : 0 }
        BitSequences.drawInitialStates(count: trials * hidden, stream: &stream, into: initialStates)
    }

    /// Accuracy of `head` on the first `batch` sequences (columns `first ..< first + batch` of the bits).
    private func accuracy(head: Int, n: Int, first: Int, batch: Int) -> [Double] {
        let recurrence = network.recurrence
        recurrence.prepare()
        let w = network.parameters.values("W_out") + 2 * head * hidden, b = network.parameters.values("b_out") + 2 * head
        stateA.update(from: initialStates + first * hidden, count: batch * hidden)
        var state = stateA, following = stateB
        var correct = [Int](repeating: 0, count: batch)
        for s in 0..<length {
            for r in 0..<batch { input[r] = bits[s * trials + first + r] }
            recurrence.step(input: input, batch: batch, state: state, next: following, drive: drive)
            swap(&state, &following)
            guard s >= config.accuracy_warmup else { continue }
            for r in 0..<batch {
                let h = state + r * hidden
                var zero = b[0], one = b[1]
                for i in 0..<hidden { zero += w[i] * h[i]; one += w[hidden + i] * h[i] }
                let predicted: Int32 = zero < one ? 1 : 0
                let target = BitSequences.targetInTime(config.task, n: n, bits: bits + first + r, stride: trials, step: s)
                if predicted == target { correct[r] += 1 }
            }
        }
        return correct.map { Double($0) / Double(config.accuracy_steps) }
    }

    /// Baseline and single-neuron ablations at milestone N, read by `head`; row `a` of the ablation arrays.
    func ablate(n: Int, head: Int, row a: Int, into results: inout TimescalesResults) {
        var stream = RandomStream(seed: config.seed, purpose: TimescalesStream.ablationInput, index: UInt64(n))
        drawInputs(&stream)
        results.set("ablation_baseline", row: a, accuracy(head: head, n: n, first: 0, batch: trials))
        let parameters = network.parameters
        let tau = parameters.values("tau")
        let order = (0..<hidden).sorted { tau[$0] < tau[$1] || (tau[$0] == tau[$1] && $0 < $1) }
        let units = Array(order.prefix(config.ablation_neurons)) + Array(order.suffix(config.ablation_neurons))
        results.set("ablation_units", row: a, units.map(Double.init))
        results.set("ablation_tau", row: a, units.map { Double(tau[$0]) })
        let saved = parameters.snapshot()
        let wHH = parameters.values("W_hh"), wIn = parameters.values("W_in"), wOut = parameters.values("W_out")
        var accuracies: [Double] = []
        for unit in units {
            for j in 0..<hidden { wHH[unit * hidden + j] = 0; wHH[j * hidden + unit] = 0 }
            wIn[unit] = 0
            wOut[2 * head * hidden + unit] = 0; wOut[(2 * head + 1) * hidden + unit] = 0
            accuracies += accuracy(head: head, n: n, first: 0, batch: trials)
            saved.withUnsafeBufferPointer { parameters.values.update(from: $0.baseAddress!, count: parameters.count) }
        }
        results.set("ablation_accuracy", row: a, accuracies)
    }

    /// Accuracies under the weight and the τ perturbations at milestone N, read by `head`; row `p`.
    func perturb(n: Int, head: Int, row p: Int, into results: inout TimescalesResults) {
        var inputStream = RandomStream(seed: config.seed, purpose: TimescalesStream.perturbationInput, index: UInt64(n))
        drawInputs(&inputStream)
        let parameters = network.parameters
        let saved = parameters.snapshot()
        let wHH = parameters.values("W_hh"), tau = parameters.values("tau")
        let weightNorm = Self.norm(wHH, count: hidden * hidden), tauNorm = Self.norm(tau, count: hidden)
        var direction = [Float](repeating: 0, count: hidden * hidden)
        for (kind, strengths) in [(0, TimescalesResults.weightPerturbations), (1, TimescalesResults.tauPerturbations)] {
            var accuracies: [Double] = []
            for (level, epsilon) in strengths.enumerated() {
                for r in 0..<trials {
                    if epsilon > 0 {
                        var stream = RandomStream(seed: config.seed, purpose: TimescalesStream.perturbation,
                                                  index: UInt64(n) << 32 | UInt64(kind) << 24 | UInt64(level) << 16 | UInt64(r))
                        if kind == 0 {
                            stream.fillNormal(&direction, count: hidden * hidden)
                            let scale = Float(epsilon * weightNorm / Self.norm(direction, count: hidden * hidden))
                            for i in 0..<(hidden * hidden) { wHH[i] += scale * direction[i] }
                        } else {
                            stream.fillNormal(&direction, count: hidden)
                            for i in 0..<hidden { direction[i] = abs(direction[i]) }
                            let scale = Float(epsilon * tauNorm / Self.norm(direction, count: hidden))
                            for i in 0..<hidden { tau[i] += scale * direction[i] }
                        }
                    }
                    accuracies += accuracy(head: head, n: n, first: r, batch: 1)
                    saved.withUnsafeBufferPointer { parameters.values.update(from: $0.baseAddress!, count: parameters.count) }
                }
            }
            results.set(kind == 0 ? "perturbation_weights_accuracy" : "perturbation_tau_accuracy", row: p, accuracies)
        }
    }

    static func norm(_ x: UnsafePointer<Float>, count: Int) -> Double {
        var sum = 0.0
        for i in 0..<count { sum += Double(x[i]) * Double(x[i]) }
        return sum.squareRoot()
    }
}
