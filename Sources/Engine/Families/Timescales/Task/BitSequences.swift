/// Minibatches of N-parity and N-DMS (src/tasks/tasks.py): one bit per step, classified at the
/// last step by one head per N of the curriculum, all heads on the same sequences.
///   length M ~ U{N_last + 2, …, 4 N_last + 1}, drawn once per batch from the newest N
///   parity: p ~ U(0,1) per sequence, bits ~ Bernoulli(p), label_N = (sum of the last N bits) mod 2
///   dms:    bits ~ Bernoulli(0.5), label_N = [x_{M−N} = x_{M−1}]
/// and the initial states h_0 = 0.1 U(0,1), fresh for every sequence (the model's forward pass).
///   inputs [M, B] (one input per step and sequence), labels [heads, B], initialStates [B, H]
enum BitSequences {
    /// Draws one minibatch (of length `length` instead of a random M when given); returns M.
    static func draw(_ task: BitTask, ns: [Int], batch: Int, hiddenSize: Int, stream: inout RandomStream,
                     inputs: UnsafeMutablePointer<Float>, labels: UnsafeMutablePointer<Int32>,
                     initialStates: UnsafeMutablePointer<Float>, length fixedLength: Int? = nil) -> Int {
        let newest = ns.last!
        let drawn = newest + 2 + stream.nextInt(below: 3 * newest)
        let length = fixedLength ?? drawn
        for b in 0..<batch {
            let p = task == .parity ? stream.nextUniform() : 0.5
            for t in 0..<length { inputs[t * batch + b] = stream.nextUniform() < p ? 1 : 0 }
        }
        writeLabels(task, ns: ns, length: length, batch: batch, inputs: inputs, labels: labels)
        drawInitialStates(count: batch * hiddenSize, stream: &stream, into: initialStates)
        return length
    }

    /// The label of every head for sequences [M, B] already drawn.
    static func writeLabels(_ task: BitTask, ns: [Int], length: Int, batch: Int,
                            inputs: UnsafePointer<Float>, labels: UnsafeMutablePointer<Int32>) {
        for (k, n) in ns.enumerated() {
            for b in 0..<batch {
                switch task {
                case .parity:
                    var ones = 0
                    for t in (length - n)..<length where inputs[t * batch + b] != 0 { ones += 1 }
                    labels[k * batch + b] = Int32(ones % 2)
                case .dms:
                    labels[k * batch + b] = inputs[(length - n) * batch + b] == inputs[(length - 1) * batch + b] ? 1 : 0
                }
            }
        }
    }

    /// 0.1 U(0,1) in Float with 24 random bits (as torch.rand).
    static func drawInitialStates(count: Int, stream: inout RandomStream, into h: UnsafeMutablePointer<Float>) {
        for i in 0..<count { h[i] = 0.1 * Float(stream.nextUInt32() >> 8) * 0x1p-24 }
    }

    /// The target of every step s >= N − 1 of one stream of bits: the parity of bits s − N + 1 … s,
    /// or [x_s = x_{s−N+1}] (the ablation and perturbation accuracy, classified at every step).
    static func targetInTime(_ task: BitTask, n: Int, bits: UnsafePointer<Float>, stride: Int, step s: Int) -> Int32 {
        switch task {
        case .parity:
            var ones = 0
            for t in (s - n + 1)...s where bits[t * stride] != 0 { ones += 1 }
            return Int32(ones % 2)
        case .dms:
            return bits[s * stride] == bits[(s - n + 1) * stride] ? 1 : 0
        }
    }
}
