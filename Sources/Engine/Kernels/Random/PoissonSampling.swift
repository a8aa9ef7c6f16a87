import Foundation

extension RandomStream {
    /// A Poisson(λ) count: by multiplication of uniforms for λ < 10 (Knuth), by Hörmann's
    /// transformed rejection with squeeze (PTRS, "The transformed rejection method for
    /// generating Poisson random variables", 1993) for λ >= 10 — the pair numpy uses.
    public mutating func nextPoisson(_ lambda: Double) -> Int {
        precondition(lambda >= 0 && lambda.isFinite, "a Poisson mean must be finite and >= 0")
        if lambda == 0 { return 0 }
        if lambda < 10 {
            let threshold = exp(-lambda)
            var product = nextUniform(), count = 0
            while product > threshold {
                count += 1
                product *= nextUniform()
            }
            return count
        }
        let root = lambda.squareRoot(), logLambda = log(lambda)
        let b = 0.931 + 2.53 * root
        let a = -0.059 + 0.02483 * b
        let inverseAlpha = 1.1239 + 1.1328 / (b - 3.4)
        let acceptance = 0.9277 - 3.6224 / (b - 2)
        while true {
            let u = nextUniform() - 0.5
            let v = nextUniform()
            let us = 0.5 - abs(u)
            let k = ((2 * a / us + b) * u + lambda + 0.43).rounded(.down)
            if us >= 0.07 && v <= acceptance { return Int(k) }
            if k < 0 || (us < 0.013 && v > us) { continue }
            if log(v) + log(inverseAlpha) - log(a / (us * us) + b) <= -lambda + k * logLambda - lgamma(k + 1) {
                return Int(k)
            }
        }
    }
}
