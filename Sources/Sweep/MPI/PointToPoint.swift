import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// A message that has arrived and can be received without waiting.
public struct MessageInfo: Sendable, Equatable {
    public var source: Int
    public var tag: Int
    public var byteCount: Int
}

/// Small blocking sends and receives. The messages the sweep exchanges are a few dozen bytes, below
/// Open MPI's eager limit, so `send` returns as soon as the data is copied out.
extension Communicator {
    public func send(_ values: [Int64], to destination: Int, tag: Int) {
        values.withUnsafeBytes { raw in
            _ = MPI_Send(raw.baseAddress, Int32(values.count), cmpi_int64(), Int32(destination), Int32(tag), handle)
        }
    }

    public func send(_ values: [Double], to destination: Int, tag: Int) {
        values.withUnsafeBytes { raw in
            _ = MPI_Send(raw.baseAddress, Int32(values.count), cmpi_double(), Int32(destination), Int32(tag), handle)
        }
    }

    public func send(bytes: [UInt8], to destination: Int, tag: Int) {
        bytes.withUnsafeBytes { raw in
            _ = MPI_Send(raw.baseAddress, Int32(bytes.count), cmpi_byte(), Int32(destination), Int32(tag), handle)
        }
    }

    /// Non-blocking check for a message (MPI_Iprobe); nil source or tag matches any.
    public func probe(source: Int? = nil, tag: Int? = nil) -> MessageInfo? {
        var flag: Int32 = 0
        var status = MPI_Status()
        MPI_Iprobe(Int32(source ?? Int(cmpi_any_source())), Int32(tag ?? Int(cmpi_any_tag())), handle, &flag, &status)
        guard flag != 0 else { return nil }
        var count: Int32 = 0
        MPI_Get_count(&status, cmpi_byte(), &count)
        return MessageInfo(source: Int(status.MPI_SOURCE), tag: Int(status.MPI_TAG), byteCount: Int(count))
    }

    /// Waits for a message by probing with a short sleep (never a spinning blocking call).
    public func waitForMessage(source: Int? = nil, tag: Int? = nil, pollNanoseconds: Int = 200_000) -> MessageInfo {
        while true {
            if let info = probe(source: source, tag: tag) { return info }
            sleepNanoseconds(pollNanoseconds)
        }
    }

    /// Receives the next message from `source` with `tag` (waits for it if it has not arrived).
    public func receiveInt64(from source: Int, tag: Int) -> [Int64] {
        let info = waitForMessage(source: source, tag: tag, pollNanoseconds: 50_000)
        var values = [Int64](repeating: 0, count: info.byteCount / MemoryLayout<Int64>.size)
        receive(into: &values, datatype: cmpi_int64(), from: source, tag: tag)
        return values
    }

    public func receiveDoubles(from source: Int, tag: Int) -> [Double] {
        let info = waitForMessage(source: source, tag: tag, pollNanoseconds: 50_000)
        var values = [Double](repeating: 0, count: info.byteCount / MemoryLayout<Double>.size)
        receive(into: &values, datatype: cmpi_double(), from: source, tag: tag)
        return values
    }

    public func receiveBytes(from source: Int, tag: Int) -> [UInt8] {
        let info = waitForMessage(source: source, tag: tag, pollNanoseconds: 50_000)
        var values = [UInt8](repeating: 0, count: info.byteCount)
        receive(into: &values, datatype: cmpi_byte(), from: source, tag: tag)
        return values
    }

    private func receive<Element>(into buffer: inout [Element], datatype: MPI_Datatype?, from source: Int, tag: Int) {
        let count = Int32(buffer.count)
        buffer.withUnsafeMutableBytes { raw in
            _ = MPI_Recv(raw.baseAddress, count, datatype, Int32(source), Int32(tag), handle, nil)
        }
    }
}
