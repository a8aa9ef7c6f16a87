import Engine
import Foundation

/// Makes every process run the OpenBLAS core its CPU supports: when OpenBLAS picked a weaker one
/// (and the user did not choose with OPENBLAS_CORETYPE), the process starts itself again, once,
/// with OPENBLAS_CORETYPE set — OpenBLAS reads it only when it loads. Runs first in `main`, before
/// MPI starts, on every rank.
enum KernelSelection {
    /// Set on the restart: the core OpenBLAS had picked by itself.
    static let pickedVariable = "SWEEP_MPI_OPENBLAS_PICKED"
    /// Set to 1 to make OPENBLAS_CORETYPE stand for OpenBLAS's own pick rather than the user's
    /// choice, as on a CPU whose model OpenBLAS does not recognise: `bench` shows the trap and its
    /// fix with it on any machine, and the tests exercise the restart.
    static let simulatedPickVariable = "SWEEP_MPI_SIMULATED_PICK"

    static var isSimulatedPick: Bool { ProcessInfo.processInfo.environment[simulatedPickVariable] == "1" }

    static func ensureBestCore() {
        let environment = ProcessInfo.processInfo.environment
        guard environment[pickedVariable] == nil else { return }
        let picked = OpenBLASCore.current
        let decision = OpenBLASCore.decide(openBLASCore: picked, supported: .detected,
                                           userSetting: isSimulatedPick ? nil : environment["OPENBLAS_CORETYPE"])
        guard case .switchTo(let core) = decision else { return }
        setenv("OPENBLAS_CORETYPE", core, 1)
        setenv(pickedVariable, picked, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // Only reached if the restart failed: go on with OpenBLAS's own choice.
        unsetenv("OPENBLAS_CORETYPE")
        setenv(pickedVariable, picked, 1)
    }

    /// The core in use and how it was chosen, e.g. "SkylakeX", "chosen by sweep-mpi for this CPU;
    /// OpenBLAS picked Haswell".
    static var core: (name: String, note: String) {
        let environment = ProcessInfo.processInfo.environment
        let current = OpenBLASCore.current
        if let picked = environment[pickedVariable] {
            let simulated = isSimulatedPick ? " (simulated with \(simulatedPickVariable)=1)" : ""
            return picked == current ? (current, "OpenBLAS's choice") : (current, "chosen by sweep-mpi for this CPU; OpenBLAS picked \(picked)" + simulated)
        }
        switch OpenBLASCore.decide(openBLASCore: current, supported: .detected,
                                   userSetting: isSimulatedPick ? nil : environment["OPENBLAS_CORETYPE"]) {
        case .keep(let reason): return (current, reason)
        case .switchTo(let better): return (current, "OpenBLAS's choice; restarting with \(better) failed")
        }
    }
}
