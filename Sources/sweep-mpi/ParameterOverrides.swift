import ArgumentParser
import Sweep

/// `--set key=value` (repeatable): a parameter set for every trial over what the file sets. The
/// value is read as JSON (a number, true/false, a list, a quoted string) and otherwise taken as a
/// string, so that `--set loss=mse` and `--set 'lyap_epochs=[0,5]'` both work.
struct ParameterOverrides: ParsableArguments {
    @Option(name: .customLong("set"), parsing: .singleValue,
            help: ArgumentHelp("Set a parameter for every trial, e.g. --set num_epochs=5 (repeatable).", valueName: "key=value"))
    var assignments: [String] = []

    /// A malformed assignment is a usage error (64), reported before any file is read.
    func validate() throws {
        _ = try overrides()
    }

    func overrides() throws -> JSONObject {
        var object = JSONObject()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw ValidationError("--set \(assignment): expected key=value")
            }
            let key = String(assignment[..<equals]), text = String(assignment[assignment.index(after: equals)...])
            guard !key.isEmpty, !key.contains(where: \.isWhitespace) else {
                throw ValidationError("--set \(assignment): expected a parameter name before \"=\"")
            }
            guard !text.isEmpty else { throw ValidationError("--set \(assignment): expected a value after \"=\"") }
            guard object[key] == nil else { throw ValidationError("--set \(key) is given twice") }
            if case .object? = try? JSONParser.parse(text) {
                throw ValidationError("--set \(assignment): a parameter value cannot be a JSON object")
            }
            object[key] = (try? JSONParser.parse(text)) ?? .string(text)
        }
        return object
    }
}
