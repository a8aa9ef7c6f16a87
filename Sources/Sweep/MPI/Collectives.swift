import CMPI
#if canImport(Glibc)
import Glibc
#endif

/// Collective operations. A rank waiting in a blocking MPI call spins a whole core, which on an
/// oversubscribed node steals the core from the rank doing the work (rank 0 creating the results
/// file, say). So every collective here is started non-blocking and completed by polling with a
/// short sleep.
extension Communicator {
    public func barrier() {
        var request: MPI_Request? = cmpi_request_null()
        MPI_Ibarrier(handle, &request)
        wait(for: &request)
    }

    /// Every rank returns root's `values` (other ranks' arguments are ignored).
    public func broadcast(_ values: [Int64], root: Int = 0) -> [Int64] {
        var count = [Int64(values.count)]
        broadcastInPlace(&count, datatype: cmpi_int64(), root: root)
        var result = rank == root ? values : [Int64](repeating: 0, count: Int(count[0]))
        broadcastInPlace(&result, datatype: cmpi_int64(), root: root)
        return result
    }

    /// Every rank returns root's `bytes`.
    public func broadcast(bytes: [UInt8], root: Int = 0) -> [UInt8] {
        var count = [Int64(bytes.count)]
        broadcastInPlace(&count, datatype: cmpi_int64(), root: root)
        var result = rank == root ? bytes : [UInt8](repeating: 0, count: Int(count[0]))
        broadcastInPlace(&result, datatype: cmpi_byte(), root: root)
        return result
    }

    /// Every rank returns root's `text`.
    public func broadcast(_ text: String, root: Int = 0) -> String {
        String(decoding: broadcast(bytes: Array(text.utf8), root: root), as: UTF8.self)
    }

    private func broadcastInPlace<Element>(_ buffer: inout [Element], datatype: MPI_Datatype?, root: Int) {
        guard !buffer.isEmpty else { return }
        var request: MPI_Request? = cmpi_request_null()
        let count = Int32(buffer.count)
        buffer.withUnsafeMutableBytes { raw in
            MPI_Ibcast(raw.baseAddress, count, datatype, Int32(root), handle, &request)
            // The buffer must stay in place until the broadcast completes.
            wait(for: &request)
        }
    }

    /// Completes a request by polling: MPI_Test, then a sleep that grows to 1 ms.
    func wait(for request: inout MPI_Request?) {
        var done: Int32 = 0
        var pause = 20_000 // ns
        while true {
            MPI_Test(&request, &done, nil)
            if done != 0 { return }
            sleepNanoseconds(pause)
            pause = min(pause * 2, 1_000_000)
        }
    }
}

func sleepNanoseconds(_ nanoseconds: Int) {
    var request = timespec(tv_sec: nanoseconds / 1_000_000_000, tv_nsec: nanoseconds % 1_000_000_000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) != 0 && errno == EINTR { request = remaining }
}
