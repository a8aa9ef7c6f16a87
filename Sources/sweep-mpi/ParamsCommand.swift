import ArgumentParser
import Engine
import Sweep

/// `sweep-mpi params [FAMILY]`: every parameter of a family, with its default, allowed values and
/// meaning, from the declarations the family reads its parameters with.
struct ParamsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "params",
        abstract: "List the parameters of an experiment family (default, allowed values, description).",
        discussion: """
            Without FAMILY: every family. A sweep file selects its family with "family" in its base \
            (default farrell). The tables in docs/families/ are this command's markdown output.
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, markdown, json }

    @Argument(help: ArgumentHelp("The family (\(Families.names.joined(separator: ", "))).", valueName: "family"))
    var family: String?

    @Option(help: "Output format: table, markdown or json.")
    var format: Format = .table

    func validate() throws {
        guard let family, Families.named(family) == nil else { return }
        throw ValidationError("unknown family \"\(family)\"\(didYouMean(family, among: Families.names)); the families are \(Families.names.joined(separator: ", "))")
    }

    func run() throws {
        let families = family.map { [Families.named($0)!] } ?? Families.all
        switch format {
        case .json:
            let list = families.map { family -> JSONValue in
                .object(JSONObject([("family", .string(family.name)), ("summary", .string(family.summary)),
                                    ("parameters", .array(family.parameters.map(Self.json)))]))
            }
            print(JSONValue.array(list).prettyText())
        case .markdown:
            print(families.map(Self.markdown).joined(separator: "\n"), terminator: "")
        case .table:
            print(families.map(Self.table).joined(separator: "\n"), terminator: "")
        }
    }

    static func json(_ p: ParameterDeclaration) -> JSONValue {
        var object = JSONObject([("name", .string(p.name)), ("kind", .string(p.kind)), ("default", .string(p.defaultText)),
                                 ("allowed", .string(p.allowed)), ("description", .string(p.description))])
        if !p.aliases.isEmpty { object["aliases"] = .array(p.aliases.map { .string($0) }) }
        return .object(object)
    }

    /// The name with its aliases: "E (alias epochs)".
    static func names(_ p: ParameterDeclaration, quote: String = "") -> String {
        let name = quote + p.name + quote
        guard !p.aliases.isEmpty else { return name }
        return name + " (alias " + p.aliases.map { quote + $0 + quote }.joined(separator: ", ") + ")"
    }

    /// A markdown table (what docs/families/<family>.md embeds).
    static func markdown(_ family: any ExperimentFamily) -> String {
        func cell(_ text: String) -> String { text.replacingOccurrences(of: "|", with: "\\|") }
        var lines = ["| parameter | default | allowed | description |", "|---|---|---|---|"]
        for p in family.parameters {
            lines.append("| \(names(p, quote: "`")) | \(cell(p.defaultText)) | \(cell(p.allowed)) | \(cell(p.description)) |")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Aligned columns for a terminal.
    static func table(_ family: any ExperimentFamily) -> String {
        let parameters = family.parameters
        let nameWidth = min(34, parameters.map { names($0).count }.max() ?? 0)
        let defaultWidth = min(24, parameters.map(\.defaultText.count).max() ?? 0)
        var text = "family \(family.name): \(family.summary)\n\n"
        for p in parameters {
            let name = names(p)
            text += name.padding(toLength: max(nameWidth, name.count) + 2, withPad: " ", startingAt: 0)
                + p.defaultText.padding(toLength: max(defaultWidth, p.defaultText.count) + 2, withPad: " ", startingAt: 0)
                + p.description + "\n"
            text += String(repeating: " ", count: nameWidth + 2) + "allowed: " + p.allowed + "\n"
        }
        return text
    }
}
