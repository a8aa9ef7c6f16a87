/// Floating-point operations of a flossing trial, counted analytically from the shapes (matrix
/// products and LAPACK's nominal QR counts: all but a few percent of the work). The scheduler
/// runs expensive trials first; the benchmark turns seconds into GFLOP/s with them.
extension FlossingConfig {
    /// One training epoch: forward (J φ(x), the input and the readout), backward (dx J, dJ, the
    /// readout), for B sequences of T steps.
    public var epochFLOPs: Double {
        let b = Double(B), n = Double(N), t = Double(T), loss = Double(lossSteps)
        return 6 * b * n * n * t + 6 * b * n * t + 6 * b * n * loss
    }

    /// A QR (sgeqrf + sorgqr) of an N × k matrix.
    var qrFLOPs: Double {
        let n = Double(N), k = Double(nLE)
        return 4 * n * k * k - 4 * k * k * k / 3
    }

    /// One step of a spectrum estimate: J Q, the QR and the state.
    var spectrumStepFLOPs: Double {
        let n = Double(N), k = Double(nLE)
        return 2 * n * n * k + qrFLOPs + 2 * n * n
    }

    /// One flossing update: the recorded spectrum over Tp steps and its backward pass (the QR
    /// adjoint's dQᵀQ, Q S and triangular solve; J̄ and Q̄; the state chain).
    public var flossingUpdateFLOPs: Double {
        let n = Double(N), k = Double(nLE)
        let backward = 4 * n * k * k + n * k * k + 4 * n * n * k + 4 * n * n
        return Double(Tp) * (spectrumStepFLOPs + backward)
    }

    /// One recorded spectrum (initial, after a flossing phase, final).
    public var spectrumFLOPs: Double { Double(spectrum_steps) * spectrumStepFLOPs }

    /// The final test: test_samples sequences forward.
    public var testFLOPs: Double { Double(testBatches * B) * Double(T) * 2 * Double(N) * Double(N + 1) }

    /// Estimated FLOPs of the whole trial.
    public var estimatedFLOPs: Double {
        Double(E) * epochFLOPs + Double(flossingUpdates) * flossingUpdateFLOPs
            + Double(2 + interflossingEpochs.count + (preflossingUpdates > 0 ? 1 : 0)) * spectrumFLOPs + testFLOPs
    }
}

/// The rates one core sustains on each part of a flossing trial (FLOP per CPU second), measured
/// by `sweep-mpi bench flossing` at N 80 (the sweep files' size) with OpenBLAS's own kernels: the
/// training epoch's 16 × 80 × 80 products, the flossing update bound by its 80 × 75 QRs, the
/// recorded spectra (QRs without their adjoints) and the test's forward passes.
enum FlossingCoreRate {
    static let epoch = 7.0e10
    static let flossingUpdate = 5.5e10
    static let spectrum = 4.0e10
    static let test = 5.0e10
}

extension FlossingConfig {
    /// Estimated seconds of the whole trial on one core: each part at its own rate.
    public var estimatedSeconds: Double {
        Double(E) * epochFLOPs / FlossingCoreRate.epoch
            + Double(flossingUpdates) * flossingUpdateFLOPs / FlossingCoreRate.flossingUpdate
            + Double(2 + interflossingEpochs.count + (preflossingUpdates > 0 ? 1 : 0)) * spectrumFLOPs / FlossingCoreRate.spectrum
            + testFLOPs / FlossingCoreRate.test
    }
}

/// Memory of one trial: the parameters with gradients and two optimizers' moments, the
/// training buffers and the flossing tape.
enum FlossingMemory {
    static func estimatedBytes(_ c: FlossingConfig) -> Int {
        let n = c.N, k = c.nLE
        let parameters = n + n * n + n + n + 1 + c.B * n
        let training = 4 * (c.T + 1) * c.B * n + 2 * c.T * c.B
        let flossing = (c.Tp + 1) * (3 * n + 2 * k * n) + c.Tp * k * k + 2 * k * n + c.Tp
        let spectrum = 3 * (2 * n) + 2 * 2 * k * n + k * k + c.spectrum_steps
        return 4 * (6 * parameters + training + flossing + spectrum)
    }
}
