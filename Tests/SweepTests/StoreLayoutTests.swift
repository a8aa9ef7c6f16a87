import Foundation
import Testing
@testable import Sweep

extension RuntimeTests {
    @Suite struct StoreLayoutTests {
        @Test func freshFileHasTheDocumentedLayout() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("fresh.h5")
            let plan = StoreFixtures.plan()
            let prepared = try ResultsStore.prepare(plan: plan, path: path, restart: false, provenance: StoreFixtures.provenance)
            #expect(prepared.action == .created)
            #expect(prepared.rowOfTrial == Array(0..<6))
            #expect(FileManager.default.fileExists(atPath: path + ".partial") == false)

            let reader = try ResultsReader(path: path)
            #expect(reader.trialCount == 6)
            #expect(reader.attributes.sweepName == "demo")
            #expect(reader.attributes.formatVersion == 1)
            #expect(reader.attributes.planHash == "hash-6")
            #expect(reader.attributes.toolVersion == "0.1.0-test")
            #expect(reader.attributes.hdf5Version == "HDF5 1.10.8")
            #expect(reader.attributes.mpiVersion.hasPrefix("Open MPI"))
            #expect(reader.attributes.created.count == 20 && reader.attributes.created.hasSuffix("Z"))
            #expect(try reader.ids() == plan.trials.map(\.id))
            #expect(try reader.parameters() == plan.trials.map(\.parameters))
            #expect(try reader.statuses() == Array(repeating: .pending, count: 6))
            #expect(try reader.seconds().allSatisfy(\.isNaN))
            #expect(try reader.ranks() == Array(repeating: -1, count: 6))
            #expect(try reader.specText() == plan.specText)
            #expect(reader.columnNames == plan.columns)
            #expect(try reader.column("x") == .float([0.5, 0.5, 0.5, 2, 2, 2]))
            #expect(try reader.column("seed") == .int([0, 1, 2, 0, 1, 2]))
            #expect(try reader.column("network") == .string(Array(repeating: "vanilla", count: 6)))
            #expect(try reader.column("train") == .bool([true, false, true, true, false, true]))
            #expect(try reader.column("layers") == .json(["[10,0]", "[10,1]", "[10,2]", "[10,0]", "[10,1]", "[10,2]"]))
            #expect(reader.metrics == plan.metrics)
            #expect(try reader.metricValues("grid").count == 36)
            #expect(try reader.metricValues("grid").allSatisfy(\.isNaN))
        }

        @Test func h5dumpAndH5pyReadTheFile() throws {
            let directory = StoreScratchDirectory()
            let path = directory.file("dump.h5")
            _ = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: path, restart: false, provenance: StoreFixtures.provenance)
            let dump = try StoreFixtures.run(["h5dump", "-H", "-p", path])
            #expect(dump.status == 0)
            #expect(dump.output.contains("CONTIGUOUS"))
            #expect(dump.output.contains("H5D_ALLOC_TIME_EARLY"))
            #expect(!dump.output.contains("CHUNKED"))
            let script = """
            import h5py, math
            f = h5py.File('\(path)', 'r')
            assert f.attrs['format_version'] == 1
            assert f.attrs['sweep_name'] == b'demo', f.attrs['sweep_name']
            assert f['trials/id'].shape == (6,)
            assert f['trials/seed'][()].tolist() == [0, 1, 2, 0, 1, 2]
            assert f['trials/train'].attrs['kind'] == b'bool'
            assert f['metrics/grid'].shape == (6, 2, 3)
            assert f['metrics/grid'].attrs['axes'] == b'trial,row,column'
            assert math.isnan(f['metrics/curve'][0, 0])
            assert f['sweep_spec'][()] == b'{"name": "demo"}'
            print('ok')
            """
            let python = try StoreFixtures.run(["python3", "-c", script])
            #expect(python.output.contains("ok"), "\(python.output)")
        }
    }
}
