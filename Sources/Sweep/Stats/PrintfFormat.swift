#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// printf's %.<precision>g (e.g. 6 significant digits for tables); "NaN", "Infinity" and
/// "-Infinity" for non-finite values, as in the other outputs.
func formatSignificant(_ value: Double, digits: Int = 6) -> String {
    guard value.isFinite else { return JSONFormat.number(value) }
    var buffer = [CChar](repeating: 0, count: 64)
    let written = withVaList([value]) { arguments in
        buffer.withUnsafeMutableBufferPointer { pointer in
            vsnprintf(pointer.baseAddress, pointer.count, "%.\(digits)g", arguments)
        }
    }
    guard written > 0 else { return JSONFormat.number(value) }
    return String(decoding: buffer.prefix(Int(written)).map { UInt8(bitPattern: $0) }, as: UTF8.self)
}
