import Engine

/// One matrix product shape, as the engine calls it: C[m, n] += op(A) op(B), Float32, row-major.
struct ProductShape {
    var name: String
    var m: Int, n: Int, k: Int
    var transposeA = false, transposeB = false

    var flops: Double { 2 * Double(m) * Double(n) * Double(k) }

    var label: String {
        "\(m)x\(n)x\(k) " + (transposeA ? "T" : "N") + (transposeB ? "T" : "N")
    }

    /// Single-thread rate in GFLOP/s: the best of 5 repetitions of about 0.05 s each, timed in CPU
    /// seconds of this thread (single-threaded OpenBLAS runs in it).
    func measuredRate() -> Double {
        var stream = RandomStream(seed: 1, purpose: RandomPurpose(rawValue: 0))
        var a = [Float](repeating: 0, count: m * k), b = [Float](repeating: 0, count: k * n), c = [Float](repeating: 0, count: m * n)
        stream.fillNormal(&a, count: a.count)
        stream.fillNormal(&b, count: b.count)
        let repeats = max(3, Int(5e9 / flops / 100))
        var best = 0.0
        a.withUnsafeBufferPointer { a in
            b.withUnsafeBufferPointer { b in
                c.withUnsafeMutableBufferPointer { c in
                    for _ in 0..<5 {
                        let seconds = ThreadCPUClock.measure {
                            for _ in 0..<repeats {
                                BLAS.gemm(transposeA: transposeA, transposeB: transposeB, m: m, n: n, k: k,
                                          a.baseAddress!, b.baseAddress!, beta: 1, c.baseAddress!)
                            }
                        }
                        best = max(best, flops * Double(repeats) / seconds / 1e9)
                    }
                }
            }
        }
        return best
    }

    /// The core's rate on a large product, the honest 100 %.
    static let peak = ProductShape(name: "large product (the core's peak)", m: 512, n: 512, k: 512)
}

extension FarrellConfig {
    /// The products of one training minibatch of a vanilla RNN (its input weights are fixed) and how
    /// often each runs, forward (every minibatch) and backward (minibatches whose loss is not
    /// exactly 0; the readout's two backward products counted at its forward shape).
    var minibatchProducts: (forward: [(ProductShape, count: Int)], backward: [(ProductShape, count: Int)]) {
        let b = batch_size, n = N, d = X_dim, t = sequenceLength, c = outputSize, losses = lossSteps.count
        let step = ProductShape(name: "recurrent step h Wᵀ and dA W", m: b, n: n, k: n)
        let input = ProductShape(name: "input x Uᵀ", m: b, n: n, k: d, transposeB: true)
        let readout = ProductShape(name: "readout h Woutᵀ", m: b, n: c, k: n, transposeB: true)
        let weightGradient = ProductShape(name: "recurrent weight gradient, all steps", m: n, n: n, k: max(t - 1, 1) * b, transposeA: true)
        return ([(step, max(t - 1, 0)), (input, inputSteps), (readout, losses)],
                [(step, max(t - 1, 0)), (weightGradient, 1), (readout, 2 * losses)])
    }
}
