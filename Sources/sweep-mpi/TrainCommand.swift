import ArgumentParser
import Engine
import Foundation
import Sweep

/// `sweep-mpi train CONFIG.json`: one network, results and timings printed as JSON.
struct TrainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train and analyse one network; print its results as JSON.",
        discussion: """
            CONFIG.json is one object of parameters with the reference code's names (N, g_radius, \
            X_dim, loss, learning_rate, num_epochs, seed, analyses, ...); anything not given takes \
            the reference default. `-` reads the config from standard input.
            """)

    @Argument(help: "The config file (a JSON object of parameters), or - for standard input.")
    var config: String

    @Flag(help: "Print the resolved parameters only, without training.")
    var resolveOnly = false

    func run() throws {
        BLAS.useSingleThread()
        let text = config == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
                                 : try CommandFailure.readText(config, what: "config")
        let runConfig = try Self.parseConfig(text, source: config)
        let resolved = JSONValue.object(JSONObject(runConfig.resolved.map { ($0.key, JSONValue($0.value)) }))
        if resolveOnly {
            print(resolved.prettyText())
            return
        }
        let result: RunResult
        do {
            result = try Run.execute(runConfig)
        } catch {
            throw CommandFailure(code: 70, message: "training failed: \(error)")
        }
        var output = JSONObject()
        output["parameters"] = resolved
        output["divergence"] = result.divergence.map { .string($0) } ?? .null
        var metrics = JSONObject()
        for spec in Run.results(runConfig) {
            metrics[spec.name] = Self.nested(result.metrics[spec.name] ?? [], shape: spec.shape)
        }
        output["metrics"] = .object(metrics)
        print(JSONValue.object(output).prettyText())
    }

    /// Parses a config file into a validated RunConfig; errors name the key and the value (65).
    static func parseConfig(_ text: String, source: String) throws -> RunConfig {
        let json: JSONValue
        do {
            json = try JSONParser.parse(text)
        } catch {
            throw CommandFailure(code: 65, message: "\(source): \(error)")
        }
        guard case .object(let object) = json else {
            throw CommandFailure(code: 65, message: "\(source): expected a JSON object of parameters")
        }
        do {
            return try EngineTrialModel().makeConfig(object)
        } catch {
            throw CommandFailure(code: 65, message: "\(source): \(error)")
        }
    }

    /// A flat row-major array as nested JSON arrays of the given shape; NaN as null.
    static func nested(_ values: [Double], shape: [Int]) -> JSONValue {
        func element(_ x: Double) -> JSONValue { x.isFinite ? .number(x) : .null }
        guard let first = shape.first else { return values.first.map(element) ?? .null }
        let stride = shape.dropFirst().reduce(1, *)
        return .array((0..<first).map { i in
            let slice = Array(values[min(values.count, i * stride)..<min(values.count, (i + 1) * stride)])
            return nested(slice + [Double](repeating: .nan, count: stride - slice.count), shape: Array(shape.dropFirst()))
        })
    }
}
