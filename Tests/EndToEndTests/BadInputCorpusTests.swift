import Foundation
import Testing
import Sweep

/// One bad input to the real `sweep-mpi run` under `mpirun -n 2`, and the answer it must get:
/// one message naming what is wrong, the same exit status on every rank, nothing written.
struct BadInput: Sendable, CustomTestStringConvertible {
    enum SweepFile: Sendable {
        /// The sweep file holds this text.
        case text(String)
        /// The sweep file holds these bytes (not text).
        case bytes([UInt8])
        /// The sweep path does not exist.
        case missing
        /// The sweep path is a directory.
        case directory
    }

    /// What is at (or around) the output path before the run.
    enum Output: Sendable {
        case nothing
        case missingFolder
        case readOnlyFolder
        case fileUnderAFile
        case directory
        /// A complete results file of the sweep "other".
        case otherSweep
        case notHDF5
        /// The first half of a results file of this sweep.
        case truncatedResults
        case hdf5NotResults
    }

    var name: String
    var sweep: SweepFile
    var output: Output = .nothing
    /// The command line after `sweep-mpi`; "SWEEP" and "OUTPUT" stand for the paths.
    var arguments: [String] = ["SWEEP", "--output", "OUTPUT"]
    var code: Int32
    /// Texts the message must contain (the field, the value, the suggestion, the path...).
    var mentions: [String]

    var testDescription: String { "\(name) -> \(code)" }

    /// A valid sweep with base overrides and extra top-level members.
    static func sweep(overrides: String = "{}", _ rest: String = "{}") -> SweepFile {
        .text(EngineSweep.text("this", overrides: overrides, rest))
    }

    /// A valid sweep whose text is then edited, to break what the JSON builder cannot.
    static func sweepText(_ edit: (String) -> String) -> SweepFile { .text(edit(EngineSweep.text("this"))) }
}

extension BadInput {
    static let usage = SweepExit.usage.rawValue, badInput = SweepExit.badInput.rawValue
    static let unreadable = SweepExit.inputUnreadable.rawValue, output = SweepExit.cannotCreateOutput.rawValue

    static let corpus: [BadInput] = [
        // The sweep file itself.
        BadInput(name: "invalid JSON (trailing comma)", sweep: .text(#"{"name": "this", "base": {"N": 8,}}"#),
                 code: badInput, mentions: ["line 1, column 34", "trailing commas"]),
        BadInput(name: "truncated file", sweep: sweepText { String($0.prefix($0.count / 2)) },
                 code: badInput, mentions: ["line 1, column", "end of input"]),
        BadInput(name: "empty file", sweep: .text(""), code: badInput, mentions: ["the text is empty"]),
        BadInput(name: "not UTF-8", sweep: .bytes(Array(#"{"name": "th"#.utf8) + [0xff, 0x22, 0x7d]),
                 code: badInput, mentions: ["is not UTF-8 text"]),
        BadInput(name: "a JSON array, not an object", sweep: .text("[1, 2]"), code: badInput,
                 mentions: ["must be a JSON object", "found an array"]),
        BadInput(name: "duplicate key", sweep: sweepText { $0.replacingOccurrences(of: #""N":8,"#, with: #""N":8,"N":9,"#) },
                 code: badInput, mentions: [#"duplicate key "N""#]),
        BadInput(name: "number beyond 64-bit float", sweep: .text(#"{"name": "this", "base": {"g_radius": 1e999}}"#),
                 code: badInput, mentions: ["1e999", "too large"]),
        BadInput(name: "sweep file missing", sweep: .missing, code: unreadable, mentions: ["does not exist"]),
        BadInput(name: "sweep file is a directory", sweep: .directory, code: unreadable, mentions: ["cannot be read"]),

        // Keys and names.
        BadInput(name: "unknown top-level key", sweep: sweepText { $0.replacingOccurrences(of: #""base""#, with: #""bsae""#) },
                 code: badInput, mentions: [#"unknown key "bsae""#, #"did you mean "base"?"#]),
        BadInput(name: "unknown parameter", sweep: sweep(overrides: #"{"learnig_rate": 0.1}"#), code: badInput,
                 mentions: ["base.learnig_rate", #"did you mean "learning_rate"?"#]),
        BadInput(name: "unknown parameter as a grid axis", sweep: sweep(#"{"grid": {"g_radus": [20, 250]}}"#), code: badInput,
                 mentions: ["g_radus", #"did you mean "g_radius"?"#]),
        BadInput(name: "no name", sweep: .text(#"{"base": {"N": 8}}"#), code: badInput, mentions: [#"every sweep needs a "name""#]),
        BadInput(name: "name with a space", sweep: sweep(#"{"name": "my sweep"}"#), code: badInput,
                 mentions: [#"name = "my sweep""#]),

        // Types.
        BadInput(name: "string for an integer", sweep: sweep(overrides: #"{"N": "eight"}"#), code: badInput,
                 mentions: [#"base.N = "eight""#, "expected an integer"]),
        BadInput(name: "grid axis not a list", sweep: sweep(#"{"grid": {"g_radius": 20}}"#), code: badInput,
                 mentions: ["grid.g_radius", "expected an array"]),
        BadInput(name: "case not an object", sweep: sweep(#"{"cases": [1]}"#), code: badInput,
                 mentions: ["cases[0] = 1", "expected an object"]),
        BadInput(name: "object for a parameter", sweep: sweep(overrides: #"{"N": {"units": 8}}"#), code: badInput,
                 mentions: [#"base.N = {"units":8}"#]),

        // Axes.
        BadInput(name: "empty axis", sweep: sweep(#"{"grid": {"g_radius": []}}"#), code: badInput,
                 mentions: ["grid.g_radius = []", "empty"]),
        BadInput(name: "repeated axis value", sweep: sweep(#"{"grid": {"g_radius": [20, 250, 20]}}"#), code: badInput,
                 mentions: ["grid.g_radius[2] = 20", "repeats grid.g_radius[0]"]),
        BadInput(name: "duplicate cases (1 and 1.0)", sweep: sweep(#"{"cases": [{"g_radius": 1}, {"g_radius": 1.0}]}"#),
                 code: badInput, mentions: ["cases[1]", "run one trial twice"]),
        BadInput(name: "one parameter on two axes", sweep: sweep(#"{"cases": [{"g_radius": 1}], "grid": {"g_radius": [2, 3]}}"#),
                 code: badInput, mentions: [#""g_radius" is set both by cases and by grid"#]),

        // Sizes.
        BadInput(name: "N 0", sweep: sweep(overrides: #"{"N": 0}"#), code: badInput, mentions: ["base.N = 0", "must be in 1..."]),
        BadInput(name: "batch_size 0", sweep: sweep(overrides: #"{"batch_size": 0}"#), code: badInput,
                 mentions: ["base.batch_size = 0"]),
        BadInput(name: "num_epochs -1", sweep: sweep(overrides: #"{"num_epochs": -1}"#), code: badInput,
                 mentions: ["base.num_epochs = -1"]),
        BadInput(name: "negative learning rate", sweep: sweep(overrides: #"{"learning_rate": -0.1}"#), code: badInput,
                 mentions: ["base.learning_rate = -0.1", "must be > 0"]),
        BadInput(name: "seeds 0", sweep: sweep(#"{"seeds": 0}"#), code: badInput, mentions: ["seeds = 0", "gives no trials"]),
        BadInput(name: "negative seed count", sweep: sweep(#"{"seeds": -3}"#), code: badInput, mentions: ["seeds = -3"]),

        // Names the Engine does not know.
        BadInput(name: "unknown loss", sweep: sweep(overrides: #"{"loss": "mae"}"#), code: badInput,
                 mentions: [#"base.loss = "mae""#, #""cce", "mse""#]),
        BadInput(name: "unknown optimizer", sweep: sweep(overrides: #"{"optimizer": "adamw"}"#), code: badInput,
                 mentions: [#"base.optimizer = "adamw""#, #""adam""#]),
        BadInput(name: "unknown network", sweep: sweep(overrides: #"{"network": "transformer"}"#), code: badInput,
                 mentions: [#"base.network = "transformer""#, #""vanilla_rnn""#]),
        BadInput(name: "unknown analysis", sweep: sweep(#"{"analyses": ["dim_layers", "dimm"]}"#), code: badInput,
                 mentions: [#"analyses = "dimm""#, "unknown analysis"]),
        BadInput(name: "unknown nonlinearity", sweep: sweep(overrides: #"{"hid_nonlin": "sigmoid"}"#), code: badInput,
                 mentions: [#"base.hid_nonlin = "sigmoid""#]),

        // Contradictions.
        BadInput(name: "n_out > n_lag", sweep: sweep(overrides: #"{"n_out": 5}"#), code: badInput,
                 mentions: ["n_out = 5", "must be <= n_lag (3)"]),
        BadInput(name: "zip of unequal lengths", sweep: sweep(#"{"zip": [{"loss": ["mse", "cce"], "learning_rate": [0.1]}]}"#),
                 code: badInput, mentions: ["zip[0]", "equal lengths", "loss has 2 values, learning_rate has 1"]),
        BadInput(name: "more Lyapunov exponents than units",
                 sweep: sweep(#"{"analyses": ["lyapunov"], "grid": {"lyap_exponents": [4, 9]}}"#), code: badInput,
                 mentions: ["grid.lyap_exponents[1] = 9", "must be <= N (8)"]),
        BadInput(name: "every trial excluded", sweep: sweep(#"{"grid": {"g_radius": [20, 250]}, "exclude": [{"n_lag": 3}]}"#),
                 code: badInput, mentions: ["every one of the 2 trials is excluded"]),
        BadInput(name: "grid too large (would overflow)", sweep: sweep("""
                     {"grid": {\(["g_radius", "X_dim", "N", "n_lag", "batch_size", "dim_samples", "acc_samples", "num_epochs",
                                  "learning_rate", "X_clusters"].map { "\"\($0)\": [\((1...100).map(String.init).joined(separator: ","))]" }
                                .joined(separator: ", "))}, "seeds": "0-2147483647"}
                     """),
                 code: badInput, mentions: ["more than 10000000 trials", "split it into several sweeps"]),

        // Seeds given twice.
        BadInput(name: "seed in base and seeds", sweep: sweep(overrides: #"{"seed": 3}"#, #"{"seeds": 3}"#), code: badInput,
                 mentions: ["base.seed = 3", "seeds given twice"]),
        BadInput(name: "overlapping seed ranges", sweep: sweep(#"{"seeds": "0-4,3"}"#), code: badInput,
                 mentions: [#"seeds = "0-4,3""#, "seed 3 is given more than once"]),

        // The output path.
        BadInput(name: "output in a missing folder", sweep: sweep(), output: .missingFolder, code: output,
                 mentions: ["no/such/folder/out.h5.partial", "does not exist", "mkdir -p"]),
        BadInput(name: "output under a regular file", sweep: sweep(), output: .fileUnderAFile, code: output,
                 mentions: ["notes.txt/out.h5.partial", "Not a directory"]),
        BadInput(name: "output is a directory", sweep: sweep(), output: .directory, code: output,
                 mentions: ["out.h5 is a directory"]),
        BadInput(name: "output of another sweep", sweep: sweep(), output: .otherSweep, code: output,
                 mentions: [#"belongs to sweep "other""#, "--restart"]),
        BadInput(name: "output not HDF5", sweep: sweep(), output: .notHDF5, code: output,
                 mentions: ["out.h5 is not an HDF5 file"]),
        BadInput(name: "output a truncated results file", sweep: sweep(), output: .truncatedResults, code: output,
                 mentions: ["out.h5 is not a readable HDF5 file (truncated or damaged?)"]),
        BadInput(name: "output an HDF5 file of something else", sweep: sweep(), output: .hdf5NotResults, code: output,
                 mentions: ["not a sweep-mpi results file"]),

        // The command line.
        BadInput(name: "unknown flag", sweep: sweep(), arguments: ["SWEEP", "--output", "OUTPUT", "--no-such-flag"],
                 code: usage, mentions: ["--no-such-flag"]),
        BadInput(name: "--seeds x-y", sweep: sweep(), arguments: ["SWEEP", "--output", "OUTPUT", "--seeds", "x-y"],
                 code: usage, mentions: [#"--seeds = "x-y""#, "not a whole number"]),
        BadInput(name: "--seeds descending", sweep: sweep(), arguments: ["SWEEP", "--output", "OUTPUT", "--seeds", "9-2"],
                 code: usage, mentions: [#"range "9-2" is descending"#]),
        BadInput(name: "--grace -1", sweep: sweep(), arguments: ["SWEEP", "--output", "OUTPUT", "--grace", "-1"],
                 code: usage, mentions: ["--grace"]),
        BadInput(name: "--grace=-1", sweep: sweep(), arguments: ["SWEEP", "--output", "OUTPUT", "--grace=-1"],
                 code: usage, mentions: ["--grace must be a number of seconds >= 0"]),
        BadInput(name: "--progress with an unknown mode", sweep: sweep(),
                 arguments: ["SWEEP", "--output", "OUTPUT", "--progress", "sometimes"], code: usage, mentions: ["'sometimes'"]),
        BadInput(name: "--output without its argument", sweep: sweep(), arguments: ["SWEEP", "--output"],
                 code: usage, mentions: ["Missing value for '--output <output>'"]),
        BadInput(name: "no sweep file", sweep: sweep(), arguments: ["run", "--output", "OUTPUT"],
                 code: usage, mentions: ["Missing expected argument '<sweep>'"]),
        BadInput(name: "two sweep files", sweep: sweep(), arguments: ["SWEEP", "SWEEP", "--output", "OUTPUT"],
                 code: usage, mentions: ["Unexpected argument"]),
    ]

    /// Needs a folder the process cannot write to, which root only gets from a read-only mount.
    static let readOnly = [
        BadInput(name: "output in a read-only folder", sweep: sweep(), output: .readOnlyFolder, code: output,
                 mentions: ["ro/out.h5.partial", ReadOnlyFolder.expectedError]),
    ]
}

/// A folder the test process cannot write into: a read-only tmpfs for root (who may write into
/// any folder whatever its mode), a folder of mode 0555 for anyone else.
final class ReadOnlyFolder {
    let path: String
    private let mounted: Bool

    static var expectedError: String { geteuid() == 0 ? "Read-only file system" : "Permission denied" }

    init?(at path: String) {
        self.path = path
        guard (try? FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)) != nil else { return nil }
        if geteuid() == 0 {
            guard (try? ResultsChecks.command(["mount", "-t", "tmpfs", "-o", "ro,size=1m", "tmpfs", path]))?.status == 0 else { return nil }
            mounted = true
        } else {
            guard chmod(path, 0o555) == 0 else { return nil }
            mounted = false
        }
    }

    deinit {
        if mounted { _ = try? ResultsChecks.command(["umount", path]) } else { chmod(path, 0o755) }
    }

    /// Whether such a folder can be made here (root without the right to mount cannot).
    static let canBeMade: Bool = {
        let workspace = Workspace()
        return withExtendedLifetime(workspace) {
            guard let folder = ReadOnlyFolder(at: workspace.file("probe")) else { return false }
            let descriptor = open(folder.path + "/file", O_WRONLY | O_CREAT, 0o644)
            if descriptor >= 0 { close(descriptor) }
            return descriptor < 0
        }
    }()
}

extension EndToEnd {
    @Suite struct BadInputs {
        /// Error lines: the tool's own ("sweep-mpi: error: ...") and the argument parser's ("Error: ...").
        static func messageLines(_ output: String) -> [String] {
            output.split(separator: "\n").map(String.init).filter { $0.hasPrefix("sweep-mpi: error: ") || $0.hasPrefix("Error: ") }
        }

        @Test(arguments: BadInput.corpus)
        func badInputGetsOneMessageOneStatusAndWritesNothing(_ input: BadInput) throws {
            try check(input)
        }

        @Test(.enabled(if: ReadOnlyFolder.canBeMade, "needs a read-only folder: for root a tmpfs mount, which is not permitted here"),
              arguments: BadInput.readOnly)
        func outputInAReadOnlyFolderIsRefused(_ input: BadInput) throws {
            try check(input)
        }

        func check(_ input: BadInput) throws {
            let workspace = Workspace()
            let sweep = workspace.file("sweep.json")
            switch input.sweep {
            case .text(let text): try workspace.write("sweep.json", text)
            case .bytes(let bytes): try Data(bytes).write(to: URL(fileURLWithPath: sweep))
            case .missing: break
            case .directory: try FileManager.default.createDirectory(atPath: sweep, withIntermediateDirectories: false)
            }
            var keepAlive: ReadOnlyFolder?
            let output = try prepareOutput(input.output, in: workspace, readOnly: &keepAlive)
            let before = workspace.snapshot()

            let arguments = input.arguments.map { $0 == "SWEEP" ? sweep : $0 == "OUTPUT" ? output : $0 }
            let (codes, text, seconds) = try Harness.runReportingEveryRank(ranks: 2, arguments, program: Harness.sweepMPI)

            #expect(codes == [input.code, input.code], "\(text)")
            let messages = Self.messageLines(text)
            #expect(messages.count == 1, "expected one message, got: \(text)")
            for mention in input.mentions {
                #expect(messages.first?.contains(mention) == true, "the message does not mention \(mention): \(text)")
            }
            // A prompt refusal, not a hang; the bound leaves room for mpirun on a loaded 2-core machine.
            #expect(seconds < 20, "took \(seconds) s")
            #expect(workspace.snapshot() == before, "the run changed or created files")
            #expect(!FileManager.default.fileExists(atPath: output + ".partial"))
            keepAlive = nil  // unmounted before the workspace is removed
            withExtendedLifetime(workspace) {}
        }

        /// Puts the case's file at the output path and returns that path.
        func prepareOutput(_ kind: BadInput.Output, in workspace: Workspace, readOnly: inout ReadOnlyFolder?) throws -> String {
            switch kind {
            case .nothing:
                return workspace.file("out.h5")
            case .missingFolder:
                return workspace.file("no/such/folder/out.h5")
            case .readOnlyFolder:
                let folder = try #require(ReadOnlyFolder(at: workspace.file("ro")))
                readOnly = folder
                return workspace.file("ro/out.h5")
            case .fileUnderAFile:
                try workspace.write("notes.txt", "a file, not a folder\n")
                return workspace.file("notes.txt/out.h5")
            case .directory:
                try FileManager.default.createDirectory(atPath: workspace.file("out.h5"), withIntermediateDirectories: false)
                return workspace.file("out.h5")
            case .otherSweep:
                try makeResults(EngineSweep.text("other"), at: workspace.file("out.h5"), in: workspace)
                return workspace.file("out.h5")
            case .notHDF5:
                try workspace.write("out.h5", "these are notes, not results\n")
                return workspace.file("out.h5")
            case .truncatedResults:
                try makeResults(EngineSweep.text("this"), at: workspace.file("full.h5"), in: workspace)
                let full = try #require(workspace.bytes("full.h5"))
                try full.prefix(full.count / 2).write(to: URL(fileURLWithPath: workspace.file("out.h5")))
                try FileManager.default.removeItem(atPath: workspace.file("full.h5"))
                return workspace.file("out.h5")
            case .hdf5NotResults:
                let made = try ResultsChecks.command(["python3", "-c",
                    "import h5py; f = h5py.File('\(workspace.file("out.h5"))', 'w'); f['x'] = [1, 2, 3]; f.close()"])
                try #require(made.status == 0, "\(made.output)")
                return workspace.file("out.h5")
            }
        }

        func makeResults(_ sweepText: String, at path: String, in workspace: Workspace) throws {
            let sweep = try workspace.write("made.json", sweepText)
            let made = try Harness.run(ranks: 1, [sweep, "--output", path, "--progress", "none"], program: Harness.sweepMPI)
            try #require(made.status == 0, "\(made.output)")
            try FileManager.default.removeItem(atPath: sweep)
        }
    }
}
