import Engine
import Foundation
BLAS.useSingleThread()
let epochs = Double(CommandLine.arguments.count > 1 ? CommandLine.arguments[1] : "40")!
let g = Double(CommandLine.arguments.count > 2 ? CommandLine.arguments[2] : "20")!
let config = try RunConfig(["analyses": .list([]), "num_epochs": .number(epochs), "g_radius": .number(g), "loss": .string(CommandLine.arguments.count > 3 ? CommandLine.arguments[3] : "cce")])
let result = try Run.execute(config)
print("time_train", result.metrics["time_train"]!, "per epoch", result.metrics["time_train"]![0] / epochs)
print("steps", result.metrics["optimizer_steps"]!, "skipped", result.metrics["skipped_steps"]!)
let stats = result.metrics["epoch_stats"]!
for e in 0..<Int(epochs) { print(e, stats[e*4..<e*4+4].map { String(format: "%.4g", $0) }.joined(separator: " "), result.metrics["learning_rate"]![e]) }
