import Foundation
import Testing
@testable import Sweep

extension RuntimeTests {
    /// MPI in the test process is a singleton of size 1 (initialised once, never finalised).
    @Suite struct MPICommunicatorTests {
        @Test func singletonWorld() {
            let world = Communicator.world()
            #expect(world === Communicator.world())
            #expect(Communicator.isInitialized)
            #expect(world.rank == 0 && world.size == 1)
            #expect(!world.processorName.isEmpty)
            #expect(Communicator.libraryVersion.hasPrefix("Open MPI v4.1"))
            world.barrier()
        }

        @Test func broadcastsReturnTheRootsValues() {
            let world = Communicator.world()
            #expect(world.broadcast([1, -2, Int64.max]) == [1, -2, Int64.max])
            #expect(world.broadcast([Int64]()) == [])
            #expect(world.broadcast("sweep ✓") == "sweep ✓")
            #expect(world.broadcast(bytes: [0, 255, 7]) == [0, 255, 7])
        }

        @Test func messagesToSelfAreProbedThenReceived() {
            let world = Communicator.world()
            #expect(world.probe() == nil)
            world.send([Int64(7), 8], to: 0, tag: 5)
            world.send([0.5, -1.25], to: 0, tag: 6)
            world.send(bytes: [1, 2, 3], to: 0, tag: 7)
            #expect(world.probe(tag: 9) == nil)
            #expect(world.probe(source: 0, tag: 6) == MessageInfo(source: 0, tag: 6, byteCount: 16))
            #expect(world.receiveDoubles(from: 0, tag: 6) == [0.5, -1.25])
            #expect(world.receiveInt64(from: 0, tag: 5) == [7, 8])
            #expect(world.waitForMessage(tag: 7).byteCount == 3)
            #expect(world.receiveBytes(from: 0, tag: 7) == [1, 2, 3])
            #expect(world.probe() == nil)
        }

        @Test func runMessagesRoundTrip() {
            let messages: [RunMessage] = [
                .report(.init(want: 2, final: false, completed: 3..<9, done: 4, failed: 1, diverged: 1, abandoned: 0, microseconds: 123_456)),
                .report(.init(want: 0, final: true, completed: 0..<0)),
                .signalled(SIGTERM), .assign(10..<25), .noMore, .drain, .goodbye, .recall, .returned(7..<9), .returned(0..<0),
            ]
            for message in messages {
                #expect(message.encoded().count == RunMessage.length)
                #expect(RunMessage(message.encoded()) == message)
            }
            #expect(RunMessage([9, 0, 0, 0, 0, 0, 0, 0, 0, 0]) == nil)
            #expect(RunMessage([3, 5, 2, 0, 0, 0, 0, 0, 0, 0]) == nil)
            #expect(RunMessage([7, 5, 2, 0, 0, 0, 0, 0, 0, 0]) == nil)
            let world = Communicator.world()
            world.send(.assign(4..<6), to: 0)
            // Messages to rank 0 travel with the coordinator tag.
            #expect(world.receiveRunMessage(from: 0, tag: RunMessage.toCoordinatorTag)?.message == .assign(4..<6))
            #expect(world.probe() == nil)
        }
    }
}
