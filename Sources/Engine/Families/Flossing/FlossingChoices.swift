/// Named choices and random streams of the flossing family.

/// The initial recurrent matrix (the reference's `IC`: 1 Gaussian, 3 orthogonal).
public enum CouplingKind: String, Sendable, CaseIterable {
    /// J = g G / √N + gbar / N, G standard normal.
    case gaussian
    /// J = g Q, Q a Haar-random orthogonal matrix (QR of a Gaussian, signs fixed by diag R).
    case orthogonal

    /// The reference's numeric codes.
    static let referenceCodes: [Int: CouplingKind] = [1: .gaussian, 3: .orthogonal]
}

/// The random streams of a flossing trial: every purpose its own stream per seed, indexed by
/// epoch, flossing update or batch, so that no draw depends on the rank, the schedule or on how
/// many numbers another purpose used (the reference's flossing inputs reuse training seeds).
enum FlossingStream {
    /// Initial ws (index 0), wr (1), b (2) and J (3).
    static let weights = RandomPurpose(rawValue: 1)
    /// The initial states before their relaxation.
    static let initialStates = RandomPurpose(rawValue: 2)
    /// The training batch of epoch e (index e).
    static let trainingData = RandomPurpose(rawValue: 3)
    /// The input of flossing update u, counted over all phases (index u).
    static let flossingData = RandomPurpose(rawValue: 4)
    /// The orthonormal system Q_0 the spectrum starts from (the same at every call, as the reference).
    static let flossingBasis = RandomPurpose(rawValue: 5)
    /// The input driving the spectrum snapshots (the same for every snapshot of a trial).
    static let spectrumProbe = RandomPurpose(rawValue: 6)
    /// The held-out test sequences (index = test batch).
    static let testData = RandomPurpose(rawValue: 7)
}
