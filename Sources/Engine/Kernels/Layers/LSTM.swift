/// A one-layer LSTM in PyTorch's form (torch.nn.LSTM: gate order i, f, g, o; two bias vectors),
/// advanced one step at a time so that the input of step t may depend on what step t − 1 produced
/// (a closed loop), with its backward pass through time.
///
///   a_t = W_ih x_t + b_ih + W_hh h_t + b_hh = [W_ih | W_hh] [x_t; h_t] + b   a_t [B, 4H] = [a_i | a_f | a_g | a_o]
///   i, f, o = σ(a_i), σ(a_f), σ(a_o);  g = tanh(a_g)
///   c_{t+1} = f ⊙ c_t + i ⊙ g;         h_{t+1} = o ⊙ tanh(c_{t+1})
///
///   W_ih [4H, D], W_hh [4H, H], b_ih, b_hh [4H]; x_t [B, D]; h_t, c_t [B, H]; R = D + H
///
/// Training tape (allocated once, for up to T steps of B): rows [T+1, B, R], row t = [x_t | h_t]
/// (the gate input of step t: one matrix product per step forward, one backward, and one for both
/// weight gradients; row T holds h_T), cells [T+1, B, H], tanh(c) [T, B, H], gates [T, B, 4H]
/// holding the activated gates (i, f, g, o) after the forward pass and dL/da after the backward
/// pass (each step needs its gates only until its own dL/da is known, so one buffer serves both).
public final class LSTMLayer {
    public let inputSize: Int      // D
    public let hiddenSize: Int     // H
    /// R = D + H: the stride of `input(step:)` and `hidden(step:)` rows.
    public let rowSize: Int
    public let maxSteps: Int, maxBatch: Int
    let inputWeights, recurrentWeights, inputBias, recurrentBias: UnsafeMutablePointer<Float>
    let inputWeightGradients, recurrentWeightGradients, inputBiasGradients, recurrentBiasGradients: UnsafeMutablePointer<Float>
    let learns: (inputWeights: Bool, recurrentWeights: Bool, inputBias: Bool, recurrentBias: Bool)

    let rows: UnsafeMutablePointer<Float>               // [T+1, B, R]
    let cells: UnsafeMutablePointer<Float>              // [T+1, B, H]
    let cellTanh: UnsafeMutablePointer<Float>           // [T, B, H]
    let gates: UnsafeMutablePointer<Float>              // [T, B, 4H]
    let biasSum: UnsafeMutablePointer<Float>            // [4H] b_ih + b_hh
    let weights: UnsafeMutablePointer<Float>            // [W_ih | W_hh] [4H, R]
    let weightColumns: UnsafeMutablePointer<Float>      // [W_ih | W_hh]ᵀ [R, 4H]
    let scratchGates: UnsafeMutablePointer<Float>       // [B, 4H]
    let scratchRows: UnsafeMutablePointer<Float>        // [B, R]
    let scratchTanh: UnsafeMutablePointer<Float>        // [B, H]
    let weightGradients: UnsafeMutablePointer<Float>    // [4H, R]

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
        rowSize = inputSize + hiddenSize
        self.maxSteps = maxSteps
        self.maxBatch = maxBatch
        inputWeights = parameters.values(ih); recurrentWeights = parameters.values(hh)
        inputBias = parameters.values(bih); recurrentBias = parameters.values(bhh)
        inputWeightGradients = parameters.gradients(ih); recurrentWeightGradients = parameters.gradients(hh)
        inputBiasGradients = parameters.gradients(bih); recurrentBiasGradients = parameters.gradients(bhh)
        learns = (parameters.spec(ih).trainable, parameters.spec(hh).trainable,
                  parameters.spec(bih).trainable, parameters.spec(bhh).trainable)
        let h = hiddenSize, r = rowSize, t = max(1, maxSteps), b = max(1, maxBatch)
        rows = .allocate(capacity: (t + 1) * b * r)
        cells = .allocate(capacity: (t + 1) * b * h)
        cellTanh = .allocate(capacity: t * b * h)
        gates = .allocate(capacity: t * b * 4 * h)
        biasSum = .allocate(capacity: 4 * h)
        weights = .allocate(capacity: 4 * h * r)
        weightColumns = .allocate(capacity: 4 * h * r)
        scratchGates = .allocate(capacity: b * 4 * h)
        scratchRows = .allocate(capacity: b * r)
        scratchTanh = .allocate(capacity: b * h)
        weightGradients = .allocate(capacity: 4 * h * r)
        rows.initialize(repeating: 0, count: (t + 1) * b * r)
        cells.initialize(repeating: 0, count: (t + 1) * b * h)
    }

    deinit {
        for buffer in [rows, cells, cellTanh, gates, biasSum, weights, weightColumns, scratchGates, scratchRows, scratchTanh,
                       weightGradients] { buffer.deallocate() }
    }

    /// h_t of the taped sequence (t = 0 is the initial state): element b at `+ b * rowSize`, H values.
    public func hidden(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { rows + t * batch * rowSize + inputSize }
    /// c_t of the taped sequence ([B, H]).
    public func cell(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { cells + t * batch * hiddenSize }
    /// Where x_t of the taped sequence goes (element b at `+ b * rowSize`, D values): the caller
    /// writes it before `forward(step:)`.
    public func input(step t: Int, batch: Int) -> UnsafeMutablePointer<Float> { rows + t * batch * rowSize }

    /// Starts a taped sequence from (h_0, c_0) [B, H] each, preparing the weights (they must not
    /// change until its backward pass is done).
    public func begin(hidden h0: UnsafePointer<Float>, cell c0: UnsafePointer<Float>, batch: Int) {
        precondition(batch <= maxBatch, "LSTM batch \(batch) exceeds the workspace (\(maxBatch))")
        let h0Rows = hidden(step: 0, batch: batch)
        for b in 0..<batch { (h0Rows + b * rowSize).update(from: h0 + b * hiddenSize, count: hiddenSize) }
        cells.update(from: c0, count: batch * hiddenSize)
        prepare()
    }

    /// Derives what the steps use from the current weights: b_ih + b_hh and [W_ih | W_hh] in both
    /// layouts (the transposed one lets BLAS pack it with its cheaper non-transposing copy every
    /// forward step). `begin` calls it; call it before `advance` whenever the weights have changed.
    public func prepare() {
        let g = 4 * hiddenSize, d = inputSize, h = hiddenSize, r = rowSize
        for j in 0..<g { biasSum[j] = inputBias[j] + recurrentBias[j] }
        for j in 0..<g {
            (weights + j * r).update(from: inputWeights + j * d, count: d)
            (weights + j * r + d).update(from: recurrentWeights + j * h, count: h)
        }
        for j in 0..<g { for k in 0..<r { weightColumns[k * g + j] = weights[j * r + k] } }
    }

    /// Step t of the taped sequence: reads x_t (`input(step: t)`), h_t and c_t; writes h_{t+1}, c_{t+1}.
    public func forward(step t: Int, batch: Int) {
        precondition(t < maxSteps, "LSTM step \(t) exceeds the workspace (\(maxSteps))")
        let h = hiddenSize, bh = batch * h
        let a = gates + t * batch * 4 * h
        preactivations(rows + t * batch * rowSize, batch: batch, into: a)
        cellUpdate(gates: a, previousCell: cells + t * bh, cell: cells + (t + 1) * bh, cellTanh: cellTanh + t * bh,
                   hidden: hidden(step: t + 1, batch: batch), hiddenStride: rowSize, batch: batch)
    }

    /// One untaped step in place (evaluation): (h, c) [B, H] <- LSTM(x [B, D], h, c), with the
    /// weights as of the last `prepare` (or `begin`).
    public func advance(input x: UnsafePointer<Float>, hidden h: UnsafeMutablePointer<Float>,
                        cell c: UnsafeMutablePointer<Float>, batch: Int) {
        precondition(batch <= maxBatch, "LSTM batch \(batch) exceeds the workspace (\(maxBatch))")
        let d = inputSize, r = rowSize, units = hiddenSize
        for b in 0..<batch {
            (scratchRows + b * r).update(from: x + b * d, count: d)
            (scratchRows + b * r + d).update(from: h + b * units, count: units)
        }
        preactivations(scratchRows, batch: batch, into: scratchGates)
        cellUpdate(gates: scratchGates, previousCell: c, cell: c, cellTanh: scratchTanh, hidden: h,
                   hiddenStride: units, batch: batch)
    }

    /// a [B, 4H] = [x | h] [W_ih | W_hh]ᵀ for gate inputs [B, R] (the biases are added with the
    /// activation, in one pass).
    @inline(__always)
    private func preactivations(_ input: UnsafePointer<Float>, batch: Int, into a: UnsafeMutablePointer<Float>) {
        BLAS.gemm(m: batch, n: 4 * hiddenSize, k: rowSize, input, weightColumns, beta: 0, a)
    }

    /// Adds the biases to the products a, activates the gates in place and advances the cell:
    /// c' = f c + i g, h = o tanh(c') (h of element b at `hidden + b * hiddenStride`).
    /// `previousCell` and `cell` may be the same buffer.
    @inline(__always)
    func cellUpdate(gates a: UnsafeMutablePointer<Float>, previousCell: UnsafePointer<Float>,
                    cell: UnsafeMutablePointer<Float>, cellTanh: UnsafeMutablePointer<Float>,
                    hidden: UnsafeMutablePointer<Float>, hiddenStride: Int, batch: Int) {
        let h = hiddenSize, bias = biasSum
        for b in 0..<batch {
            let row = a + b * 4 * h
            GateActivation.sigmoid(row, bias: bias, count: 2 * h)                    // i, f
            GateActivation.tanh(row + 2 * h, bias: bias + 2 * h, count: h)           // g
            GateActivation.sigmoid(row + 3 * h, bias: bias + 3 * h, count: h)        // o
            let i = row, f = row + h, g = row + 2 * h, o = row + 3 * h
            let cPrevious = previousCell + b * h, c = cell + b * h, tc = cellTanh + b * h, hOut = hidden + b * hiddenStride
            for j in 0..<h { c[j] = f[j] * cPrevious[j] + i[j] * g[j] }
            tc.update(from: c, count: h)
            fastTanh(tc, count: h)
            for j in 0..<h { hOut[j] = o[j] * tc[j] }
        }
    }

    /// Back-propagates step t of the taped sequence. On entry `dHidden` [B, H] holds dL/dh_{t+1} and
    /// `dCell` dL/dc_{t+1} (everything that reaches them from later steps and from outside); on
    /// return `dHidden` holds the recurrent part of dL/dh_t (the caller adds its own terms) and
    /// `dCell` dL/dc_t. With `dInput`, writes dL/dx_t [B, D]. Keeps dL/da_t for the weight gradients.
    public func backward(step t: Int, batch: Int, dHidden: UnsafeMutablePointer<Float>,
                         dCell: UnsafeMutablePointer<Float>, dInput: UnsafeMutablePointer<Float>?) {
        let h = hiddenSize, bh = batch * h, g4 = 4 * h, d = inputSize, r = rowSize
        let a = gates + t * batch * g4
        let cPrevious = cells + t * bh, tanhC = cellTanh + t * bh
        for b in 0..<batch {
            Self.cellBackward(gates: a + b * g4, units: h, dHidden: dHidden + b * h, dCell: dCell + b * h,
                              cellTanh: tanhC + b * h, previousCell: cPrevious + b * h)
        }
        // dL/d[x_t | h_t] = dL/da_t [W_ih | W_hh].
        BLAS.gemm(m: batch, n: r, k: g4, a, weights, beta: 0, scratchRows)
        for b in 0..<batch {
            (dHidden + b * h).update(from: scratchRows + b * r + d, count: h)
            if let dInput { (dInput + b * d).update(from: scratchRows + b * r, count: d) }
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

    /// After `backward` of steps 0..<steps: accumulates the weight and bias gradients, both weight
    /// matrices as one product over all steps (d[W_ih | W_hh] = Σ_t dA_tᵀ [x_t | h_t]).
    public func accumulateWeightGradients(steps: Int, batch: Int) {
        let g4 = 4 * hiddenSize, n = steps * batch, d = inputSize, h = hiddenSize, r = rowSize
        guard n > 0 else { return }
        if learns.inputWeights || learns.recurrentWeights {
            BLAS.gemm(transposeA: true, m: g4, n: r, k: n, gates, rows, beta: 0, weightGradients)
            for j in 0..<g4 {
                let row = weightGradients + j * r
                if learns.inputWeights { for k in 0..<d { inputWeightGradients[j * d + k] += row[k] } }
                if learns.recurrentWeights { for k in 0..<h { recurrentWeightGradients[j * h + k] += row[d + k] } }
            }
        }
        if learns.inputBias || learns.recurrentBias {
            // Both biases receive the same gradient (they enter a_t as a sum), as in PyTorch.
            scratchGates.update(repeating: 0, count: g4)
            ActivationTape.accumulateBiasGradient(gates, rows: n, units: g4, into: scratchGates)
            if learns.inputBias { for j in 0..<g4 { inputBiasGradients[j] += scratchGates[j] } }
            if learns.recurrentBias { for j in 0..<g4 { recurrentBiasGradients[j] += scratchGates[j] } }
        }
    }
}

/// The gate nonlinearities of the time loop, B x 4H values per step, on the kernels' 8-lane tanh
/// (Activation.swift's `tanhVector`, within 1 ulp), with the biases added in the same pass:
/// σ(x) = (1 + tanh(x / 2)) / 2.
enum GateActivation {
    typealias V = SIMD8<Float>

    /// x <- tanh(x + bias), count values.
    @inline(__always)
    static func tanh(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int) {
        apply(x, bias: bias, count: count) { tanhVector($0) }
    }

    /// x <- σ(x + bias), count values.
    @inline(__always)
    static func sigmoid(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int) {
        apply(x, bias: bias, count: count) { 0.5 + 0.5 * tanhVector(0.5 * $0) }
    }

    @inline(__always)
    private static func apply(_ x: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, count: Int, _ f: (V) -> V) {
        let raw = UnsafeMutableRawPointer(x), biasRaw = UnsafeRawPointer(bias)
        var i = 0
        while i + 8 <= count {
            let v = raw.loadUnaligned(fromByteOffset: i * 4, as: V.self) + biasRaw.loadUnaligned(fromByteOffset: i * 4, as: V.self)
            raw.storeBytes(of: f(v), toByteOffset: i * 4, as: V.self)
            i += 8
        }
        if i < count {
            var tail = V(repeating: 0)
            for j in i..<count { tail[j - i] = x[j] + bias[j] }
            let result = f(tail)
            for j in i..<count { x[j] = result[j - i] }
        }
    }
}
