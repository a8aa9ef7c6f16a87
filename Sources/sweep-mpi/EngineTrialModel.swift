import Engine
import Sweep

/// The Farrell et al. networks as sweep trials: the glue between the Sweep module (named
/// parameters in, named arrays out) and the Engine.
struct EngineTrialModel: TrialModel {
    var parameterNames: [String] { RunConfig.parameterNames }

    func resolve(_ parameters: JSONObject) throws(ParameterError) -> JSONObject {
        let config = try makeConfig(parameters)
        return JSONObject(config.resolved.map { ($0.key, JSONValue($0.value)) })
    }

    func metrics(for resolved: JSONObject) -> [MetricSpec] {
        guard let config = try? makeConfig(resolved) else { return [] }
        return Run.results(config).map { MetricSpec(name: $0.name, shape: $0.shape, axes: $0.axes) }
    }

    func cost(for resolved: JSONObject) -> Double {
        (try? makeConfig(resolved))?.estimatedFLOPs ?? 0
    }

    func run(_ resolved: JSONObject, control: TrialControl) -> TrialOutcome {
        do {
            let config = try makeConfig(resolved)
            let result = try Run.execute(config, shouldStop: { control.shouldStop(progress: $0) })
            if let divergence = result.divergence {
                return TrialOutcome(kind: .diverged, metrics: result.metrics, message: divergence)
            }
            return TrialOutcome(kind: .done, metrics: result.metrics)
        } catch is RunCancelled {
            return TrialOutcome(kind: .abandoned)
        } catch {
            return TrialOutcome(kind: .failed, message: "\(error)")
        }
    }

    func makeConfig(_ parameters: JSONObject) throws(ParameterError) -> RunConfig {
        var values: [String: ConfigValue] = [:]
        for member in parameters {
            guard let value = ConfigValue(member.value) else {
                throw ParameterError(field: member.key, value: member.value.compactText,
                                     reason: "expected a number, string, boolean or list")
            }
            values[member.key] = value
        }
        do {
            return try RunConfig(values)
        } catch {
            throw ParameterError(field: error.key, value: error.value, reason: error.reason)
        }
    }
}

extension ConfigValue {
    /// nil for JSON objects, which no parameter takes.
    init?(_ json: JSONValue) {
        switch json {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let x): self = .number(x)
        case .string(let s): self = .string(s)
        case .array(let items):
            var list: [ConfigValue] = []
            for item in items {
                guard let value = ConfigValue(item) else { return nil }
                list.append(value)
            }
            self = .list(list)
        case .object: return nil
        }
    }
}

extension JSONValue {
    init(_ value: ConfigValue) {
        switch value {
        case .null: self = .null
        case .bool(let b): self = .bool(b)
        case .number(let x): self = .number(x)
        case .string(let s): self = .string(s)
        case .list(let items): self = .array(items.map(JSONValue.init))
        }
    }
}
