/// How progress is shown by rank 0.
public enum ProgressMode: String, Sendable, CaseIterable {
    /// `terminal` when standard output is a terminal, otherwise `lines`.
    case auto
    /// One line updated in place (carriage return).
    case terminal
    /// A plain line every `progressInterval` seconds (log files, Slurm output).
    case lines
    /// Only the final summary.
    case none
}

public struct RunOptions: Sendable {
    /// The results file.
    public var output: String
    /// Start over: the existing output (whatever it is) is renamed to `<output>.<UTC time>.bak`.
    public var restart: Bool
    /// Run failed and diverged trials again (otherwise they count as finished).
    public var rerunFailed: Bool
    /// After a signal, a trial in flight may finish if it is projected to do so within this many
    /// seconds; otherwise it is abandoned and stays pending. Keep it below the time the launcher
    /// leaves between its SIGTERM and SIGKILL (Open MPI's mpirun: odls_base_sigkill_timeout,
    /// 1 s by default; Slurm: KillWait, 30 s by default).
    public var grace: Double
    public var progress: ProgressMode
    /// Seconds between progress lines in `lines` mode.
    public var progressInterval: Double
    public var provenance: Provenance
    /// Seconds of a trial's run between its checkpoints (for the trials that save them).
    public var checkpointInterval: Double
    /// Prefix of messages ("sweep-mpi: error: ...").
    public var programName: String

    public init(output: String, provenance: Provenance, restart: Bool = false, rerunFailed: Bool = false,
                grace: Double = 0.5, progress: ProgressMode = .auto, progressInterval: Double = 30,
                checkpointInterval: Double = 600, programName: String = "sweep-mpi") {
        self.output = output; self.provenance = provenance; self.restart = restart
        self.checkpointInterval = checkpointInterval
        self.rerunFailed = rerunFailed; self.grace = grace; self.progress = progress
        self.progressInterval = progressInterval; self.programName = programName
    }
}
