import Foundation

/// The source signals of a trial (data_maker.py's gen_sines, gen_chords, gen_ica_style):
/// `count` sources of `length` samples at `sample_rate`, in Float32 as the reference.
///   samples [length, count] row-major
public struct SourceSignals: Sendable {
    public let length: Int
    public let count: Int
    public let samples: [Float]

    public init(_ c: FeedbackConfig) {
        length = c.signalSamples
        count = c.sourceCount
        let base = c.base_freq, step = 1 / c.sample_rate, twoPi = 2 * Double.pi
        // t_k = k / rate as np.arange(0, duration, 1 / rate) computes it; the products are in the
        // reference's order so that the Float32 samples round alike.
        var columns = [[Double]](repeating: [Double](repeating: 0, count: length), count: count)
        for k in 0..<length {
            let t = Double(k) * step
            switch c.signals {
            case .sines:
                columns[0][k] = sin(base * 1 * t * 2 * Double.pi)
                columns[1][k] = sin(base * 1.8 * t * 2 * Double.pi)
            case .chords:
                columns[0][k] = sin(1 * base * t * 2 * Double.pi) + sin(1.25 * base * t * 2 * Double.pi)
                columns[1][k] = sin(1.5 * base * t * 2 * Double.pi) + sin(2.1 * base * t * 2 * Double.pi)
            case .icaStyle:
                // sine (1.2), square (0.8) and sawtooth (1.4) in the reference's column order.
                columns[0][k] = sin(twoPi * base * 1.2 * t)
                let square = sin(twoPi * base * 0.8 * t)
                columns[1][k] = square > 0 ? 1 : (square < 0 ? -1 : 0)
                let phase = (twoPi * base * 1.4 * t).truncatingRemainder(dividingBy: twoPi)
                columns[2][k] = phase / Double.pi - 1            // scipy's sawtooth, width 1
            }
        }
        if c.signals == .chords {
            for i in 0..<count {
                let peak = columns[i].reduce(0) { max($0, abs($1)) }
                if peak > 0 { for k in 0..<length { columns[i][k] /= peak } }
            }
        }
        var samples = [Float](repeating: 0, count: length * count)
        for k in 0..<length { for i in 0..<count { samples[k * count + i] = Float(columns[i][k]) } }
        self.samples = samples
    }

    @inline(__always)
    public subscript(sample k: Int, source i: Int) -> Float { samples[k * count + i] }
}
