import Foundation
import Testing

/// The sweep files shipped in sweeps/, planned by the real `sweep-mpi plan`: each one must be
/// accepted by the Engine trial by trial and expand to the number of trials its figure needs.
extension EndToEnd {
    @Suite struct SweepFiles {
        /// A sweep file's size, counted by hand from its axes: trials per seed and the seeds the
        /// file asks for.
        struct Size: Sendable, CustomTestStringConvertible {
            var name: String
            var configurations: Int
            var seeds: Int
            var testDescription: String { name }
        }

        static let sizes: [Size] = [
            // Main figures (farrell-spec.md E.2, E.4).
            Size(name: "fidelity", configurations: 3 * 2, seeds: 10),            // 3 cases x 2 g_radius
            Size(name: "fig2", configurations: 2 * 2, seeds: 5),                 // 2 cases (2e-g, 2d) x 2 g_radius
            Size(name: "fig3", configurations: 2, seeds: 5),                     // 2 g_radius
            Size(name: "fig4", configurations: 2, seeds: 5),
            Size(name: "fig5", configurations: 2 * 2, seeds: 5),                 // 2 inputs x 2 g_radius
            Size(name: "quick", configurations: 2 * 2, seeds: 5),
            // Gradient flossing: 3 arms (none, pre, pre + inter) x delays.
            Size(name: "flossing_xor", configurations: 3 * 10, seeds: 10),
            Size(name: "flossing_copy", configurations: 3 * 10, seeds: 10),
            Size(name: "flossing_quick", configurations: 3 * 2, seeds: 2),
            // Supplement (farrell-spec.md E.5).
            Size(name: "supp_s5_freeze_output", configurations: 3 * 2 * 2 * 2, seeds: 5),     // loss x opt x lr x readout
            Size(name: "supp_s6_s7_shallow", configurations: 2 * 2 * 2 * (6 + 4), seeds: 3),  // regime x opt x readout x (loss, lr)
            Size(name: "supp_s6_s7_readout_noise", configurations: 2 * (6 + 4), seeds: 3),    // opt x (loss, lr)
            // 2 regimes x (opt x nonlin x l2 x 11 (loss, lr) - the 3 cce rates with l2 50) = 2 x 76
            Size(name: "supp_s8_s11_recurrent", configurations: 2 * (2 * 2 * 2 * 11 - 2 * 2 * 3), seeds: 2),
            Size(name: "supp_s8_s11_readout_noise", configurations: 2 * 2 * 11, seeds: 2),    // opt x nonlin x (loss, lr)
            Size(name: "supp_s13_high_d_input", configurations: 3 * 2 * 2 * 3 * 2 * 2, seeds: 5),
            Size(name: "supp_s14_s17_lowd", configurations: 3 * 3 * 2 * 3 * 2 * 2 * 2, seeds: 3),
            Size(name: "supp_s18_lowd_chaos", configurations: 2 * 7, seeds: 5),
            Size(name: "supp_s18_s21_noisy_units", configurations: 3 * (3 * 2 * 2 * 2) * 9, seeds: 5), // inputs x grid x (dropout, noise)
            // latent_dynamics (docs/families/latent_dynamics.md).
            Size(name: "latent_arneodo", configurations: 2 * 7, seeds: 5),                   // model x latent_size
            Size(name: "latent_ablations", configurations: 5, seeds: 5),                     // baseline and 4 ablations
            Size(name: "latent_quick", configurations: 2 * 2, seeds: 2),
            Size(name: "latent_fidelity", configurations: 3, seeds: 2),
            Size(name: "latent_arneodo_short", configurations: 2 * 5, seeds: 1),
            // Timescales family (docs/families/timescales.md).
            Size(name: "timescales_parity", configurations: 2 * 3, seeds: 4),              // curriculum x (trained, tau 1, tau 2)
            Size(name: "timescales_quick", configurations: 2, seeds: 2),                   // curriculum
            Size(name: "timescales_fidelity", configurations: 2, seeds: 1),                // curriculum
            // feedback_modulation (docs/families/feedback_modulation.md).
            Size(name: "feedback_modulation_quick", configurations: 2, seeds: 2),          // 2 models
            Size(name: "feedback_modulation_tau", configurations: 6, seeds: 5),            // 6 tau
            Size(name: "feedback_modulation_spatial", configurations: 2, seeds: 5),        // 2 signals
        ]

        static let repositoryRoot = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

        static func sweepFile(_ name: String) -> String {
            repositoryRoot.appendingPathComponent("sweeps/\(name).json").path
        }

        /// `sweep-mpi`, built next to this test bundle.
        static let executable: String = {
            URL(fileURLWithPath: Harness.executable).deletingLastPathComponent().appendingPathComponent("sweep-mpi").path
        }()

        /// Runs `sweep-mpi plan` on a sweep file, against a results file that does not exist
        /// (so that nothing in results/ changes what the plan reports).
        static func plan(_ name: String, _ extra: [String] = []) throws -> (status: Int32, output: String) {
            let workspace = Workspace()
            return try ResultsChecks.command([executable, "plan", sweepFile(name), "--show", "1",
                                              "--output", workspace.file("absent.h5")] + extra)
        }

        /// The N of the summary line "trials: N = ...".
        static func trialCount(_ output: String) -> Int? {
            guard let line = output.split(separator: "\n").first(where: { $0.hasPrefix("trials: ") }) else { return nil }
            return Int(line.dropFirst("trials: ".count).prefix(while: \.isNumber))
        }

        @Test func everySweepFileHasAnExpectedSize() throws {
            let directory = Self.repositoryRoot.appendingPathComponent("sweeps").path
            let files = try FileManager.default.contentsOfDirectory(atPath: directory)
                .filter { $0.hasSuffix(".json") }.map { String($0.dropLast(".json".count)) }
            #expect(Set(files) == Set(Self.sizes.map(\.name)), "sweeps/ and the table of sizes differ")
        }

        @Test(arguments: sizes)
        func planAcceptsTheFileWithItsSeedsAndWithOverriddenSeeds(_ size: Size) throws {
            let planned = try Self.plan(size.name)
            #expect(planned.status == 0, "\(planned.output)")
            #expect(Self.trialCount(planned.output) == size.configurations * size.seeds, "\(planned.output)")
            // The file is named after its sweep and describes the figure it reproduces.
            #expect(planned.output.hasPrefix("sweep \(size.name): "), "\(planned.output.prefix(200))")
            #expect(planned.output.contains("estimated compute for what is left: "))

            let overridden = try Self.plan(size.name, ["--seeds", "0,3,7-9"])
            #expect(overridden.status == 0, "\(overridden.output)")
            #expect(Self.trialCount(overridden.output) == size.configurations * 5, "\(overridden.output)")
        }

        /// With --seeds 0-29 the main figures are the 360 networks of farrell-spec.md E.4 (Fig 2: 120,
        /// Fig 3: 60, Fig 4: 60, Fig 5: 120).
        @Test func mainFiguresAt30SeedsAre360Networks() throws {
            var total = 0
            for (name, expected) in [("fig2", 120), ("fig3", 60), ("fig4", 60), ("fig5", 120)] {
                let planned = try Self.plan(name, ["--seeds", "0-29"])
                #expect(planned.status == 0, "\(planned.output)")
                #expect(Self.trialCount(planned.output) == expected, "\(name): \(planned.output)")
                total += Self.trialCount(planned.output) ?? 0
            }
            #expect(total == 360)
        }
    }
}
