import Foundation
import Sweep

/// The harness's trial list: {"name": ..., "output": ..., "seeds": n, "trials": [{...}, ...]}.
/// Each trial without a "seed" is repeated for seeds 0..<n. This is not the sweep format: it
/// only builds a `Plan` directly, the way the real expansion does, for the store and the runner.
struct HarnessFile: Decodable {
    var name: String
    var output: String?
    var seeds: Int?
    var trials: [[String: HarnessValue]]
}

enum HarnessValue: Decodable {
    case bool(Bool), number(Double), string(String)

    init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let flag = try? container.decode(Bool.self) { self = .bool(flag) }
        else if let number = try? container.decode(Double.self) { self = .number(number) }
        else { self = .string(try container.decode(String.self)) }
    }

    var json: JSONValue {
        switch self {
        case .bool(let flag): .bool(flag)
        case .number(let number): .number(number)
        case .string(let string): .string(string)
        }
    }
}

enum HarnessPlan {
    static func build(file: HarnessFile, text: String, model: SyntheticModel) throws(ParameterError) -> Plan {
        let seeds = max(1, file.seeds ?? 1)
        var trials: [Trial] = []
        var mentioned: [String] = []
        for entry in file.trials {
            for key in entry.keys.sorted() where !mentioned.contains(key) { mentioned.append(key) }
            let repeats: [Double?] = entry["seed"] == nil ? (0..<seeds).map { Double($0) } : [nil]
            for seed in repeats {
                var parameters = JSONObject(entry.keys.sorted().map { ($0, entry[$0]!.json) })
                if let seed { parameters["seed"] = .number(seed) }
                let resolved = try model.resolve(parameters)
                trials.append(Trial(id: fnvHex(resolved.members.map { "\($0.key)=\($0.value)" }.joined(separator: ";")),
                                    parameters: resolved, cost: model.cost(for: resolved)))
            }
        }
        if !mentioned.contains("seed") { mentioned.append("seed") }
        let sizes = trials.map { model.metrics(for: $0.parameters) }
        let longest = sizes.map { $0[0].shape[0] }.max() ?? 0
        let metrics = [MetricSpec(name: "values", shape: [longest], axes: ["index"]),
                       MetricSpec(name: "total", shape: [1], axes: ["component"])]
        return Plan(name: file.name, specText: text, output: file.output ?? "results/\(file.name).h5", trials: trials,
                    metrics: metrics, columns: mentioned, hash: fnvHex(trials.map(\.id).joined()))
    }

    /// FNV-1a (64 bit) as 16 hex digits: a stand-in for the sweep's SHA-256 trial ids.
    static func fnvHex(_ text: String) -> String {
        var hash: UInt64 = 0xcbf29ce484222325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100000001b3 }
        let hex = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }
}
