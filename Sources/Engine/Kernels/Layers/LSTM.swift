/// A one-layer LSTM in PyTorch's form (torch.nn.LSTM: gate order i, f, g, o; two bias vectors),
/// advanced one step at a time so that the input of step t may depend on what step t − 1 produced
/// (a closed loop), with its backward pass through time.
///
///   a_t = W_ih x_t + b_ih + W_hh h_{t−1} + b_hh            a_t [B, 4H] = [a_i | a_f | a_g | a_o]
///   i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
///   c_t = f ⊙ c_{t−1} + i ⊙ g;         h_t = o ⊙ tanh(c_t)
///
///   W_ih [4H, D], W_hh [4H, H], b_ih, b_hh [4H]; x_t [B, D]; h_t, c_t [B, H]
///
/// Training tape (allocated once, for up to T steps of B): inputs [T, B, D], hidden [T+1, B, H]
/// (h_0 the initial state), cells [T+1, B, H], tanh(c) [T, B, H], gates [T, B, 4H] holding the
/// activated gates (i, f, g, o) after the forward pass and dL/da after the backward pass (each step
/// needs its gates only until its own dL/da is known, so one buffer serves both).
public final class LSTMLayer {
    public let inputSize: Int      // D
    public let hiddenSize: Int     // H
    public let maxSteps: Int, maxBatch: Int
    let inputWeights, recurrentWeights, inputBias, recurrentBias: UnsafeMutablePointer<Float>
    let inputWeightGradients, recurrentWeightGradients, inputBiasGradients, recurrentBiasGradients: UnsafeMutablePointer<Float>
    let learns: (inputWeights: Bool, recurrentWeights: Bool, inputBias: Bool, recurrentBias: Bool)

    public let inputs: UnsafeMutablePointer<Float>      // [T, B, D]
    public let hidden: UnsafeMutablePointer<Float>      // [T+1, B, H]
    public let cells: UnsafeMutablePointer<Float>       // [T+1, B, H]
    let cellTanh: UnsafeMutablePointer<Float>           // [T, B, H]
    let gates: UnsafeMutablePointer<Float>              // [T, B, 4H]
    let biasSum: UnsafeMutablePointer<Float>            // [4H] b_ih + b_hh
    let inputColumns: UnsafeMutablePointer<Float>       // W_ihᵀ [D, 4H] (narrow inputs)
    let recurrentColumns: UnsafeMutablePointer<Float>   // W_hhᵀ [H, 4H]
    let scratchGates: UnsafeMutablePointer<Float>       // [B, 4H] for untaped steps
    let scratchTanh: UnsafeMutablePointer<Float>        // [B, H]

    /// Views of the four tensors in `parameters` (W_ih [4H, D], W_hh [4H, H], b_ih, b_hh [4H]);
    /// which of them learn is their `trainable` flag. Room for training passes of up to
    /// `maxSteps` steps of `maxBatch` sequences.
    public init(_ parameters: ParameterStore, inputWeights ih: String, recurrentWeights hh: String,
                inputBias bih: String, recurrentBias bhh: String, maxSteps: Int, maxBatch: Int) {
        let ihShape = parameters.spec(ih).shape, hhShape = parameters.spec(hh).shape
        precondition(ihShape.count == 2 && hhShape.count == 2 && ihShape[0] % 4 == 0 && hhShape == [ihShape[0], ihShape[0] / 4]
                     && parameters.spec(bih).shape == [ihShape[0]] && parameters.spec(bhh).shape == [ihShape[0]],
                     "LSTMLayer needs W_ih [4H, D], W_hh [4H, H], b_ih and b_hh [4H]")
        hiddenSize = hhShape[1]
        inputSize = ihShape[1]
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        inputWeights = parameters.values(ih); recurrentWeights = parameters.values(hh)
        inputBias = parameters.values(bih); recurrentBias = parameters.values(bhh)
        inputWeightGradients = parameters.gradients(ih); recurrentWeightGradients = parameters.gradients(hh)
        inputBiasGradients = parameters.gradients(bih); recurrentBiasGradients = parameters.gradients(bhh)
        learns = (parameters.spec(ih).trainable, parameters.spec(hh).trainable,
                  parameters.spec(bih).trainable, parameters.spec(bhh).trainable)
        let h = hiddenSize, d = inputSize, t = max(1, maxSteps), b = max(1, maxBatch)
        inputs = .allocate(capacity: t * b * max(1, d))
        hidden = .allocate(capacity: (t + 1) * b * h)
        cells = .allocate(capacity: (t + 1) * b * h)
        cellTanh = .allocate(capacity: t * b * h)
        gates = .allocate(capacity: t * b * 4 * h)
        biasSum = .allocate(capacity: 4 * h)
        inputColumns = .allocate(capacity: 4 * h * max(1, d))
        recurrentColumns = .allocate(capacity: 4 * h * h)
        scratchGates = .allocate(capacity: b * 4 * h)
        scratchTanh = .allocate(capacity: b * h)
        hidden.initialize(repeating: 0, count: (t + 1) * b * h)
        cells.initialize(repeating: 0, count: (t + 1) * b * h)
    }

    deinit {
        for buffer in [inputs, hidden, cells, cellTanh, gates, biasSum, inputColumns, recurrentColumns, scratchGates, scratchTanh] { buffer.deallocate() }
    }

    /// h_t of the taped sequence ([B, H]; t = 0 is the initial state).
    public func hidden(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { hidden + t * batch * hiddenSize }
    /// c_t of the taped sequence ([B, H]).
    public func cell(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { cells + t * batch * hiddenSize }
    /// Where x_t of the taped sequence goes ([B, D]): the caller writes it before `forward(step:)`.
    public func input(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { inputs + t * batch * inputSize }

    /// Starts a taped sequence from (h_0, c_0) [B, H] each, preparing the weights (they must not
    /// change until its backward pass is done).
    public func begin(hidden h0: UnsafePointer<Float>, cell c0: UnsafePointer<Float>, batch: Int) {
        precondition(batch <= maxBatch, "LSTM batch \(batch) exceeds the workspace (\(maxBatch))")
        hidden.update(from: h0, count: batch * hiddenSize)
        cells.update(from: c0, count: batch * hiddenSize)
        prepare()
    }

    /// Inputs this narrow are added without BLAS (a call per step costs more than the work).
    static let narrowInput = 8

    /// Derives what the steps use from the current weights: b_ih + b_hh, W_ihᵀ and W_hhᵀ (the
    /// transposed layout lets BLAS pack W_hh with its cheaper non-transposing copy every step).
    /// `begin` calls it; call it before `advance` whenever the weights have changed.
    public func prepare() {
        let g = 4 * hiddenSize, d = inputSize, h = hiddenSize
        for j in 0..<g { biasSum[j] = inputBias[j] + recurrentBias[j] }
        if d <= Self.narrowInput {
            for j in 0..<g { for k in 0..<d { inputColumns[k * g + j] = inputWeights[j * d + k] } }
        }
        for j in 0..<g { for k in 0..<h { recurrentColumns[k * g + j] = recurrentWeights[j * h + k] } }
    }

    /// Step t of the taped sequence: reads x_t (`input(step: t)`) and h_t, c_t; writes h_{t+1}, c_{t+1}.
    public func forward(step t: Int, batch: Int) {
        precondition(t < maxSteps, "LSTM step \(t) exceeds the workspace (\(maxSteps))")
        let h = hiddenSize, bh = batch * h
        let a = gates + t * batch * 4 * h
        preactivations(input: inputs + t * batch * inputSize, hidden: hidden + t * bh, batch: batch, into: a)
        Self.cellUpdate(gates: a, previousCell: cells + t * bh, cell: cells + (t + 1) * bh,
                        cellTanh: cellTanh + t * bh, hidden: hidden + (t + 1) * bh, batch: batch, units: h)
    }

    /// One untaped step in place (evaluation): (h, c) [B, H] <- LSTM(x [B, D], h, c), with the
    /// weights as of the last `prepare` (or `begin`).
    public func advance(input x: UnsafePointer<Float>, hidden h: UnsafeMutablePointer<Float>,
                        cell c: UnsafeMutablePointer<Float>, batch: Int) {
        precondition(batch <= maxBatch, "LSTM batch \(batch) exceeds the workspace (\(maxBatch))")
        preactivations(input: x, hidden: h, batch: batch, into: scratchGates)
        Self.cellUpdate(gates: scratchGates, previousCell: c, cell: c, cellTanh: scratchTanh, hidden: h,
                        batch: batch, units: hiddenSize)
    }

    /// a [B, 4H] = b_ih + b_hh + x W_ihᵀ + h W_hhᵀ. A narrow input (the usual case of a
    /// controller) is added by axpy over the columns of W_ih (`inputColumns`), a wide one by BLAS.
    @inline(__always)
    private func preactivations(input x: UnsafePointer<Float>, hidden h: UnsafePointer<Float>, batch: Int,
                                into a: UnsafeMutablePointer<Float>) {
        let g = 4 * hiddenSize, d = inputSize
        if d <= Self.narrowInput {
            for b in 0..<batch { Self.affineRow(a + b * g, bias: biasSum, columns: inputColumns, input: x + b * d, width: g, inputs: d) }
        } else {
            for b in 0..<batch { (a + b * g).update(from: biasSum, count: g) }
            BLAS.gemm(transposeB: true, m: batch, n: g, k: d, x, inputWeights, beta: 1, a)
        }
        BLAS.gemm(m: batch, n: g, k: hiddenSize, h, recurrentColumns, beta: 1, a)
    }

    /// Activates the gates in place and advances the cell: c' = f c + i g, h = o tanh(c').
    /// `previousCell` and `cell` may be the same buffer.
    @inline(__always)
    static func cellUpdate(gates a: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>,
                           cell: UnsafeMutablePointer<Float>, cellTanh: UnsafeMutablePointer<Float>,
                           hidden: UnsafeMutablePointer<Float>, batch: Int, units h: Int) {
        for b in 0..<batch {
            let row = a + b * 4 * h
            GateActivation.sigmoid(row, count: 2 * h)          // i, f
            GateActivation.tanh(row + 2 * h, count: h)         // g
            GateActivation.sigmoid(row + 3 * h, count: h)      // o
            let i = row, f = row + h, g = row + 2 * h, o = row + 3 * h
            let cPrevious = previousCell + b * h, c = cell + b * h, tc = cellTanh + b * h, hOut = hidden + b * h
            for j in 0..<h {
                let cj = f[j] * cPrevious[j] + i[j] * g[j]
                c[j] = cj
                let tj = GateActivation.tanh(cj)
                tc[j] = tj
                hOut[j] = o[j] * tj
            }
        }
    }

    /// Back-propagates step t of the taped sequence. On entry `dHidden` holds dL/dh_{t+1} and
    /// `dCell` dL/dc_{t+1} (everything that reaches them from later steps and from outside); on
    /// return `dHidden` holds the recurrent part of dL/dh_t (the caller adds its own terms) and
    /// `dCell` dL/dc_t. With `dInput`, writes dL/dx_t [B, D]. Keeps dL/da_t for the weight gradients.
    public func backward(step t: Int, batch: Int, dHidden: UnsafeMutablePointer<Float>,
                         dCell: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?) {
        let h = hiddenSize, bh = batch * h, g4 = 4 * h
        let a = gates + t * batch * g4
        let cPrevious = cells + t * bh, tanhC = cellTanh + t * bh
        for b in 0..<batch {
            let row = a + b * g4
            Self.cellBackward(gates: row, units: h, dHidden: dHidden + b * h, dCell: dCell + b * h,
                              cellTanh: tanhC + b * h, previousCell: cPrevious + b * h)
        }
        // dL/dh_t = dL/da_t W_hh, dL/dx_t = dL/da_t W_ih.
        BLAS.gemm(m: batch, n: h, k: g4, a, recurrentWeights, beta: 0, dHidden)
        if let dInput, inputSize > 0 {
            BLAS.gemm(m: batch, n: inputSize, k: g4, a, inputWeights, beta: 0, dInput)
        }
    }

    /// row [G] = bias + Σ_k input[k] · columns[k] in one pass (columns [D, G], D <= 8).
    @inline(__always)
    static func affineRow(_ row: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, columns: UnsafePointer<Float>,
                          input x: UnsafePointer<Float>, width g: Int, inputs d: Int) {
        switch d {
        case 4:
            let x0 = x[0], x1 = x[1], x2 = x[2], x3 = x[3]
            let c0 = columns, c1 = columns + g, c2 = columns + 2 * g, c3 = columns + 3 * g
            for j in 0..<g { row[j] = bias[j] + x0 * c0[j] + x1 * c1[j] + x2 * c2[j] + x3 * c3[j] }
        case 2:
            let x0 = x[0], x1 = x[1], c0 = columns, c1 = columns + g
            for j in 0..<g { row[j] = bias[j] + x0 * c0[j] + x1 * c1[j] }
        default:
            row.update(from: bias, count: g)
            for k in 0..<d {
                let xk = x[k], column = columns + k * g
                for j in 0..<g { row[j] += xk * column[j] }
            }
        }
    }

    /// One element's step backward, in place: the gates [i | f | g | o] (each [H]) become
    /// dL/da, dCell (dL/dc_{t+1} on entry, plus what reaches c through h) becomes dL/dc_t.
    /// Four units at a time: the compiler does not vectorise a loop over this many pointers.
    @inline(__always)
    static func cellBackward(gates row: UnsafeMutablePointer<Float>, units h: Int, dHidden dh: UnsafePointer<Float>,
                             dCell dc: UnsafeMutablePointer<Float>, cellTanh tc: UnsafePointer<Float>,
                             previousCell cp: UnsafePointer<Float>) {
        typealias V = SIMD4<Float>
        let one = V(repeating: 1)
        let gates = UnsafeMutableRawPointer(row), dCellRaw = UnsafeMutableRawPointer(dc)
        let dhRaw = UnsafeRawPointer(dh), tcRaw = UnsafeRawPointer(tc), cpRaw = UnsafeRawPointer(cp)
        let stride = h * 4
        var j = 0
        while j + 4 <= h {
            let offset = j * 4
            let iv = gates.loadUnaligned(fromByteOffset: offset, as: V.self)
            let fv = gates.loadUnaligned(fromByteOffset: stride + offset, as: V.self)
            let gv = gates.loadUnaligned(fromByteOffset: 2 * stride + offset, as: V.self)
            let ov = gates.loadUnaligned(fromByteOffset: 3 * stride + offset, as: V.self)
            let tcv = tcRaw.loadUnaligned(fromByteOffset: offset, as: V.self)
            let dhv = dhRaw.loadUnaligned(fromByteOffset: offset, as: V.self)
            let dcTotal = dCellRaw.loadUnaligned(fromByteOffset: offset, as: V.self) + dhv * ov * (one - tcv * tcv)
            gates.storeBytes(of: dcTotal * gv * iv * (one - iv), toByteOffset: offset, as: V.self)
            gates.storeBytes(of: dcTotal * cpRaw.loadUnaligned(fromByteOffset: offset, as: V.self) * fv * (one - fv),
                             toByteOffset: stride + offset, as: V.self)
            gates.storeBytes(of: dcTotal * iv * (one - gv * gv), toByteOffset: 2 * stride + offset, as: V.self)
            gates.storeBytes(of: dhv * tcv * ov * (one - ov), toByteOffset: 3 * stride + offset, as: V.self)
            dCellRaw.storeBytes(of: dcTotal * fv, toByteOffset: offset, as: V.self)
            j += 4
        }
        let i = row, f = row + h, g = row + 2 * h, o = row + 3 * h
        while j < h {
            let iv = i[j], fv = f[j], gv = g[j], ov = o[j], tcv = tc[j]
            let dcTotal = dc[j] + dh[j] * ov * (1 - tcv * tcv)
            i[j] = dcTotal * gv * iv * (1 - iv)
            f[j] = dcTotal * cp[j] * fv * (1 - fv)
            g[j] = dcTotal * iv * (1 - gv * gv)
            o[j] = dh[j] * tcv * ov * (1 - ov)
            dc[j] = dcTotal * fv
            j += 1
        }
    }

    /// After `backward` of steps 0..<steps: accumulates the weight and bias gradients as one
    /// product over all steps (dW_ih += Σ_t dA_tᵀ x_t, dW_hh += Σ_t dA_tᵀ h_t, db += Σ_t Σ_b dA_t).
    public func accumulateWeightGradients(steps: Int, batch: Int) {
        let g4 = 4 * hiddenSize, rows = steps * batch
        guard rows > 0 else { return }
        if learns.inputWeights && inputSize > 0 {
            BLAS.gemm(transposeA: true, m: g4, n: inputSize, k: rows, gates, inputs, beta: 1, inputWeightGradients)
        }
        if learns.recurrentWeights {
            BLAS.gemm(transposeA: true, m: g4, n: hiddenSize, k: rows, gates, hidden, beta: 1, recurrentWeightGradients)
        }
        if learns.inputBias || learns.recurrentBias {
            // Both biases receive the same gradient (they enter a_t as a sum), as in PyTorch.
            scratchGates.update(repeating: 0, count: g4)
            ActivationTape.accumulateBiasGradient(gates, rows: rows, units: g4, into: scratchGates)
            if learns.inputBias { for j in 0..<g4 { inputBiasGradients[j] += scratchGates[j] } }
            if learns.recurrentBias { for j in 0..<g4 { recurrentBiasGradients[j] += scratchGates[j] } }
        }
    }
}

/// The gate nonlinearities of the time loop, B x 4H values per step. Plain loops over the
/// rational tanh of Activation.swift's `tanhRational` (the [13/6] approximation used by Eigen, a few
/// ulp in Float), written with selects rather than SIMD clamps so that the compiler inlines and
/// vectorises them whole.
enum GateActivation {
    static let bound: Float = 7.90531110763549805

    @inline(__always)
    static func tanh(_ input: Float) -> Float {
        var x = input > bound ? bound : input
        x = x < -bound ? -bound : x
        let x2 = x * x
        var p: Float = -2.76076847742355e-16
        p = p * x2 + 2.00018790482477e-13
        p = p * x2 + -8.60467152213735e-11
        p = p * x2 + 5.12229709037114e-08
        p = p * x2 + 1.48572235717979e-05
        p = p * x2 + 6.37261928875436e-04
        p = p * x2 + 4.89352455891786e-03
        p = p * x
        var q: Float = 1.19825839466702e-06
        q = q * x2 + 1.18534705686654e-04
        q = q * x2 + 2.26843463243900e-03
        q = q * x2 + 4.89352518554385e-03
        // Tiny inputs: tanh(x) = x to Float precision.
        return abs(input) < 0.0004 ? input : p / q
    }

    /// σ(x) = (1 + tanh(x / 2)) / 2.
    @inline(__always)
    static func sigmoid(_ x: Float) -> Float { 0.5 + 0.5 * tanh(0.5 * x) }

    /// x <- tanh(x), count values.
    @inline(__always)
    static func tanh(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = tanh(x[i]) }
    }

    /// x <- σ(x), count values.
    @inline(__always)
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count { x[i] = sigmoid(x[i]) }
    }
}
