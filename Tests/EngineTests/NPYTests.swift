import Foundation
import Testing
@testable import Engine

/// The .npy encoding of the differential trace (scripts/reference/TRACE.md).
@Suite struct NPYTests {
    @Test func roundTripsEveryTraceDtype() throws {
        let arrays: [TraceArray] = [
            .float32([1, -2.5, 3, 4, 5, 6], shape: [2, 3]),
            .float64([0.1, 1e-300], shape: [2]),
            .int32([7, -8], shape: [1, 2]),
            .int64([1 << 40], shape: [1]),
            .uint8([0, 1, 255], shape: [3]),
            .float32([], shape: [0, 4]),
        ]
        for array in arrays {
            let data = NPY.encode(array)
            #expect(try NPY.decode(data) == array)
            let headerLength = Int(data[8]) | Int(data[9]) << 8
            #expect((10 + headerLength) % 64 == 0, "data must start at a multiple of 64")
            #expect(data[10 + headerLength - 1] == UInt8(ascii: "\n"))
        }
    }

    @Test func readsWhatNumpyWrites() throws {
        // np.save of np.array([[1.5, 2.0]], dtype='<f4'): numpy's own header spelling.
        let header = "{'descr': '<f4', 'fortran_order': False, 'shape': (1, 2), }"
        let text = header + String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count), 0])
        data.append(contentsOf: Array(text.utf8))
        [Float(1.5), 2.0].withUnsafeBytes { data.append(contentsOf: $0) }
        #expect(try NPY.decode(data) == .float32([1.5, 2.0], shape: [1, 2]))
        #expect(throws: NPYError.self) { try NPY.decode(Data("not numpy".utf8)) }
    }

    @Test func refusesFortranOrder() {
        let header = "{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }"
        let text = header + String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count), 0])
        data.append(contentsOf: Array(text.utf8))
        [Float(1), 2].withUnsafeBytes { data.append(contentsOf: $0) }
        #expect(throws: NPYError.self) { try NPY.decode(data) }
    }
}
