/// A results-file failure, with a message that names the file.
public struct StoreError: Error, Sendable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The path exists but is not an HDF5 file (or is truncated/damaged).
        case notHDF5
        /// An HDF5 file that was not written by sweep-mpi (or by an unknown format version).
        case notResultsFile
        /// A results file of another sweep.
        case otherSweep
        /// The file (or its temporary) cannot be created, renamed or backed up.
        case cannotCreate
        /// The plan cannot be stored (e.g. a parameter name clashes with a fixed dataset).
        case invalidPlan
        /// Reading or writing failed.
        case io
    }
    public var kind: Kind
    public var message: String
    public init(_ kind: Kind, _ message: String) { self.kind = kind; self.message = message }
    public var description: String { message }
}
