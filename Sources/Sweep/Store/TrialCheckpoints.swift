import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Checkpoints of trials in flight, so that a trial that runs for hours resumes mid-way after a
/// drain or a kill instead of starting over. One file per trial beside the results file:
///
///     <output>.checkpoints/<trial id>.ckpt      "sweep-mpi checkpoint 1\n", the trial id, "\n", the state
///
/// The state is the trial's own bytes (the Sweep never reads them). A file is written under a
/// temporary name, synced and renamed over the previous one, so a kill leaves the old checkpoint or
/// the new one, never half of one. It is removed once the trial's row is in the results file. The
/// trial id in the header guards against a file renamed by hand.
struct TrialCheckpoints {
    let directory: String

    static let magic = "sweep-mpi checkpoint 1\n"

    init(resultsPath: String) { directory = resultsPath + ".checkpoints" }

    func path(of id: String) -> String { "\(directory)/\(id).ckpt" }

    /// The trial's last checkpoint, or nil when there is none (or it cannot be used: reported once).
    func load(_ id: String, programName: String) -> [UInt8]? {
        let file = path(of: id)
        guard DurableFiles.entry(at: file) == .file else { return nil }
        guard let data = FileManager.default.contents(atPath: file) else {
            RunOutput.error(programName, "cannot read the checkpoint \(file); the trial starts over")
            return nil
        }
        let header = Array((Self.magic + id + "\n").utf8)
        let bytes = [UInt8](data)
        guard bytes.count >= header.count, Array(bytes[..<header.count]) == header else {
            RunOutput.error(programName, "\(file) is not a checkpoint of trial \(id); the trial starts over")
            return nil
        }
        return Array(bytes[header.count...])
    }

    /// Stores `state` as the trial's checkpoint, durably, replacing the previous one.
    func save(_ id: String, state: [UInt8]) throws {
        if DurableFiles.entry(at: directory) == .missing {
            if mkdir(directory, 0o755) != 0 && errno != EEXIST {
                throw StoreError(.io, "cannot create \(directory): \(DurableFiles.errorText())")
            }
            try DurableFiles.sync(DurableFiles.directoryOf(directory), directory: true)
        }
        // One trial runs on one rank at a time; a killed rank's leftover is simply overwritten.
        let temporary = path(of: id) + ".partial"
        do {
            try DurableFiles.write(Array((Self.magic + id + "\n").utf8) + state, to: temporary)
            try DurableFiles.sync(temporary)
            try DurableFiles.renameDurably(temporary, to: path(of: id))
        } catch let error as StoreError {
            _ = try? DurableFiles.removeIfPresent(temporary)
            throw StoreError(.io, error.message)
        }
    }

    /// Removes the checkpoints of finished trials (and the folder once it is empty).
    func remove(_ ids: [String]) {
        guard DurableFiles.entry(at: directory) == .directory else { return }
        for id in ids {
            unlink(path(of: id))
            unlink(path(of: id) + ".partial")
        }
        rmdir(directory)   // fails, harmlessly, while other trials still have checkpoints
    }
}
