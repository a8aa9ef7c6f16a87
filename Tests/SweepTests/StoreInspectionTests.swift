import Foundation
import Testing
@testable import Sweep

extension RuntimeTests {
    @Suite struct StoreInspectionTests {
        func inspectionError(_ path: String, sweep: String? = "demo") -> StoreError? {
            do {
                _ = try ResultsStore.inspect(path: path, sweepName: sweep)
                return nil
            } catch {
                return error as? StoreError
            }
        }

        @Test func classifiesWhatIsAtTheOutputPath() throws {
            let directory = StoreScratchDirectory()
            guard case .missing = try ResultsStore.inspect(path: directory.file("none.h5")) else {
                Issue.record("a missing file is not .missing"); return
            }
            #expect(inspectionError(directory.path)?.kind == .notHDF5)

            try Data().write(to: URL(fileURLWithPath: directory.file("empty.h5")))
            #expect(inspectionError(directory.file("empty.h5"))?.message == "\(directory.file("empty.h5")) is not an HDF5 file")

            let results = directory.file("results.h5")
            _ = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: results, restart: false, provenance: StoreFixtures.provenance)
            guard case .results(let summary) = try ResultsStore.inspect(path: results, sweepName: "demo") else {
                Issue.record("a results file is not .results"); return
            }
            #expect(summary.ids.count == 6 && summary.statuses.allSatisfy { $0 == .pending })
            #expect(summary.metrics.map(\.shape) == [[4], [2, 3]])
            #expect(summary.columns == StoreFixtures.plan().columns)

            let other = inspectionError(results, sweep: "fig2")
            #expect(other?.kind == .otherSweep)
            #expect(other?.message == "\(results) exists and belongs to sweep \"demo\" (use --output for another file, "
                    + "or --restart to start over; the old file is kept as \(results).<time>.bak)")

            let bytes = try #require(FileManager.default.contents(atPath: results))
            try bytes.prefix(2048).write(to: URL(fileURLWithPath: directory.file("cut.h5")))
            let cut = inspectionError(directory.file("cut.h5"))
            #expect(cut?.kind == .notHDF5)
            #expect(cut?.message.contains("truncated or damaged") == true)
        }

        @Test func foreignHDF5FilesAndOtherFormatVersionsAreNotResultsFiles() throws {
            let directory = StoreScratchDirectory()
            let plain = directory.file("plain.h5")
            let made = try StoreFixtures.run(["python3", "-c", "import h5py; h5py.File('\(plain)', 'w')['x'] = [1]"])
            #expect(made.status == 0, "\(made.output)")
            #expect(inspectionError(plain)?.kind == .notResultsFile)

            let newer = directory.file("newer.h5")
            _ = try ResultsStore.prepare(plan: StoreFixtures.plan(), path: newer, restart: false, provenance: StoreFixtures.provenance)
            let changed = try StoreFixtures.run(["python3", "-c",
                "import h5py, numpy; f = h5py.File('\(newer)', 'a'); f.attrs['format_version'] = numpy.int64(2); f.close()"])
            #expect(changed.status == 0, "\(changed.output)")
            let error = inspectionError(newer)
            #expect(error?.kind == .notResultsFile)
            #expect(error?.message.contains("format version 2") == true)
        }
    }
}
