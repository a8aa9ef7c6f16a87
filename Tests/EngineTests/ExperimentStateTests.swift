import Testing
@testable import Engine

@Suite struct ExperimentStateTests {
    @Test func encodesDeterministicallyAndDecodesExactly() throws {
        var state = ExperimentState()
        let weights: [Float] = [1.5, -0.0, .infinity, .nan, 3e-38]
        weights.withUnsafeBufferPointer { state.store("weights", $0.baseAddress!, count: $0.count) }
        state["history"] = .double([0.25, .nan, -1e300])
        state["epoch"] = .integer([42])
        var reordered = ExperimentState()
        reordered["epoch"] = .integer([42])
        reordered["history"] = .double([0.25, .nan, -1e300])
        weights.withUnsafeBufferPointer { reordered.store("weights", $0.baseAddress!, count: $0.count) }
        #expect(state.encoded() == reordered.encoded())          // sorted by name, whatever the insertion order

        let decoded = try ExperimentState(decoding: state.encoded())
        var restored = [Float](repeating: 0, count: 5)
        try restored.withUnsafeMutableBufferPointer { try decoded.load("weights", into: $0.baseAddress!, count: 5) }
        #expect(restored.map(\.bitPattern) == weights.map(\.bitPattern))
        #expect(try decoded.doubles("history").map(\.bitPattern) == [0.25, .nan, -1e300].map(\.bitPattern))
        #expect(try decoded.integer("epoch") == 42)
    }

    @Test func aDamagedOrMismatchedStateIsAnError() throws {
        var state = ExperimentState()
        state["epoch"] = .integer([1, 2])
        let bytes = state.encoded()
        #expect(throws: ExperimentStateError.self) { try ExperimentState(decoding: Array(bytes.dropLast())) }
        #expect(throws: ExperimentStateError.self) { try ExperimentState(decoding: bytes + [0]) }
        #expect(throws: ExperimentStateError.self) { try ExperimentState(decoding: Array("not a state".utf8)) }
        let decoded = try ExperimentState(decoding: bytes)
        #expect(throws: ExperimentStateError.self) { try decoded.integer("epoch") }              // two values, one asked
        #expect(throws: ExperimentStateError.self) { try decoded.doubles("epoch") }              // wrong type
        var buffer = [Float](repeating: 0, count: 2)
        #expect(throws: ExperimentStateError.self) {
            try buffer.withUnsafeMutableBufferPointer { try decoded.load("missing", into: $0.baseAddress!, count: 2) }
        }
    }
}
