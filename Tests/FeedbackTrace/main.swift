// feedback-trace: the Engine side of the feedback_modulation differential harness
// (scripts/feedback_modulation/, docs/families/feedback_modulation.md). Reads and writes folders of
// .npy files whose paths inside the folder, without ".npy", are the array names of FeedbackTrace.
//
//   feedback-trace train CONFIG.json --out DIR [--in DIR] [--dump DIR] [--batches K] [--gradient-batches G]
//   feedback-trace test CONFIG.json [--in DIR] [--out DIR]          (prints the metrics as JSON)
//
// CONFIG.json holds feedback_modulation parameters ("family" may be present).
import Engine
import Foundation

struct Failure: Error, CustomStringConvertible {
    var description: String
}

/// .npy version 1.0, little-endian, C order: float32, float64, int32 and int64 are read (as Float32);
/// float32 is written.
enum NPY {
    static func read(_ url: URL) throws -> FeedbackTrace.Tensor {
        let data = try Data(contentsOf: url)
        guard data.count >= 10, data.prefix(6) == Data([0x93] + Array("NUMPY".utf8)) else { throw Failure(description: "\(url.path): not a .npy file") }
        let major = data[data.startIndex + 6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(data[data.startIndex + 8]) | Int(data[data.startIndex + 9]) << 8
            headerStart = 10
        } else {
            headerLength = (0..<4).reduce(0) { $0 | Int(data[data.startIndex + 8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        let header = String(decoding: data[(data.startIndex + headerStart)..<(data.startIndex + headerStart + headerLength)], as: UTF8.self)
        guard !header.contains("'fortran_order': True") else { throw Failure(description: "\(url.path): Fortran order is not supported") }
        guard let descrRange = header.range(of: #"'descr': '[^']*'"#, options: .regularExpression),
              let shapeRange = header.range(of: #"'shape': \([^)]*\)"#, options: .regularExpression) else {
            throw Failure(description: "\(url.path): unreadable header \(header)")
        }
        let descr = header[descrRange].dropFirst("'descr': '".count).dropLast()
        let shape = header[shapeRange].dropFirst("'shape': (".count).dropLast().split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        let count = shape.reduce(1, *)
        let body = data.subdata(in: (data.startIndex + headerStart + headerLength)..<data.endIndex)
        var values = [Float](repeating: 0, count: count)
        try body.withUnsafeBytes { raw in
            func load<T>(_ type: T.Type, _ convert: (T) -> Float) throws {
                guard raw.count >= count * MemoryLayout<T>.size else { throw Failure(description: "\(url.path): truncated") }
                for i in 0..<count { values[i] = convert(raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)) }
            }
            switch descr {
            case "<f4": try load(Float.self) { $0 }
            case "<f8": try load(Double.self) { Float($0) }
            case "<i4": try load(Int32.self) { Float($0) }
            case "<i8": try load(Int64.self) { Float($0) }
            default: throw Failure(description: "\(url.path): dtype \(descr) is not supported")
            }
        }
        return FeedbackTrace.Tensor(shape: shape, values: values)
    }

    static func write(_ tensor: FeedbackTrace.Tensor, to url: URL) throws {
        let shape = tensor.shape.count == 1 ? "(\(tensor.shape[0]),)" : "(" + tensor.shape.map(String.init).joined(separator: ", ") + ")"
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shape), }"
        while (10 + header.utf8.count + 1) % 64 != 0 { header += " " }
        header += "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count & 0xff), UInt8(header.utf8.count >> 8)])
        data.append(contentsOf: Array(header.utf8))
        tensor.values.withUnsafeBytes { data.append(contentsOf: $0) }
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }

    static func readFolder(_ path: String) throws -> [String: FeedbackTrace.Tensor] {
        let root = URL(fileURLWithPath: path).standardizedFileURL
        guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: nil) else {
            throw Failure(description: "\(path): cannot be read")
        }
        var out: [String: FeedbackTrace.Tensor] = [:]
        let prefix = root.path + "/"
        for case let url as URL in walker where url.pathExtension == "npy" {
            let full = url.standardizedFileURL.path
            out[String(full.dropFirst(prefix.count).dropLast(4))] = try read(url)
        }
        return out
    }

    static func writeFolder(_ arrays: [String: FeedbackTrace.Tensor], to path: String) throws {
        for (name, tensor) in arrays { try write(tensor, to: URL(fileURLWithPath: path).appendingPathComponent(name + ".npy")) }
    }
}

func configuration(_ path: String) throws -> FeedbackConfig {
    let text = try String(contentsOfFile: path, encoding: .utf8)
    guard case .object(var object)? = try? JSONParser.parse(text) else { throw Failure(description: "\(path): not a JSON object") }
    object["family"] = nil
    do { return try FeedbackConfig(object) } catch { throw Failure(description: "\(path): \(error)") }
}

func main() throws {
    var arguments = Array(CommandLine.arguments.dropFirst())
    guard arguments.count >= 2 else {
        throw Failure(description: "usage: feedback-trace train|test CONFIG.json [--in DIR] [--out DIR] [--dump DIR] [--batches K] [--gradient-batches G]")
    }
    let command = arguments.removeFirst(), config = try configuration(arguments.removeFirst())
    var options: [String: String] = [:]
    while !arguments.isEmpty {
        let key = arguments.removeFirst()
        guard key.hasPrefix("--"), !arguments.isEmpty else { throw Failure(description: "expected --option value, got \(key)") }
        options[String(key.dropFirst(2))] = arguments.removeFirst()
    }
    BLAS.useSingleThread()
    let inputs = try options["in"].map(NPY.readFolder) ?? [:]
    switch command {
    case "train":
        guard let out = options["out"] else { throw Failure(description: "train needs --out DIR") }
        let batches = Int(options["batches"] ?? "3") ?? 3, gradientBatches = Int(options["gradient-batches"] ?? "2") ?? 2
        let trained = try FeedbackTrace.train(config, inputs: inputs, batches: batches, gradientBatches: gradientBatches)
        try NPY.writeFolder(trained.trace, to: out)
        if let dump = options["dump"] { try NPY.writeFolder(trained.dump, to: dump) }
    case "test":
        let (metrics, record) = try FeedbackTrace.test(config, inputs: inputs)
        if let out = options["out"] { try NPY.writeFolder(record, to: out) }
        let object = JSONObject(metrics.keys.sorted().map { ($0, JSONValue.array(metrics[$0]!.map { $0.isFinite ? .number($0) : .null })) })
        print(JSONValue.object(object).compactText)
    default:
        throw Failure(description: "unknown command \(command); expected train or test")
    }
}

do {
    try main()
} catch {
    FileHandle.standardError.write(Data("feedback-trace: \(error)\n".utf8))
    exit(1)
}
