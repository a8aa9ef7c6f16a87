import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The signal that asked this process to drain (0 while none has). The handler only stores into
/// this atomic, the one thing a signal handler may safely do; the run polls it.
private let receivedSignal = Atomic<Int32>(0)

/// SIGTERM, SIGINT, SIGUSR1 and SIGUSR2 start a drain (Slurm sends SIGTERM at the time limit and
/// on preemption; mpirun forwards SIGUSR1/SIGUSR2 to every rank).
enum DrainSignals {
    static let handled: [Int32] = [SIGTERM, SIGINT, SIGUSR1, SIGUSR2]

    /// What `install` replaced, to put back when the run is over.
    struct Saved {
        fileprivate var actions: [sigaction]
        fileprivate var mask: sigset_t
    }

    /// Installs the handlers and unblocks the signals in the calling thread: a process started
    /// by a parent that blocked them (as threads of many runtimes do) inherits that mask, and
    /// would otherwise never see the signal.
    static func install() -> Saved {
        receivedSignal.store(0, ordering: .relaxed)
        var signals = sigset_t()
        sigemptyset(&signals)
        var previousActions: [sigaction] = []
        for signal in handled {
            var action = sigaction()
            action.__sigaction_handler.sa_handler = { number in receivedSignal.store(number, ordering: .relaxed) }
            sigemptyset(&action.sa_mask)
            action.sa_flags = SA_RESTART
            var previous = sigaction()
            sigaction(signal, &action, &previous)
            previousActions.append(previous)
            sigaddset(&signals, signal)
        }
        var previousMask = sigset_t()
        pthread_sigmask(SIG_UNBLOCK, &signals, &previousMask)
        return Saved(actions: previousActions, mask: previousMask)
    }

    /// Puts back the actions and the thread's mask from before the run, so that a later signal
    /// does what it did before (usually: ends the process).
    static func restore(_ saved: Saved) {
        for (signal, action) in zip(handled, saved.actions) {
            var previous = action
            sigaction(signal, &previous, nil)
        }
        var mask = saved.mask
        pthread_sigmask(SIG_SETMASK, &mask, nil)
    }

    /// The received signal number, if any.
    static var pending: Int32? {
        let value = receivedSignal.load(ordering: .relaxed)
        return value == 0 ? nil : value
    }

    static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGTERM: "SIGTERM"
        case SIGINT: "SIGINT"
        case SIGUSR1: "SIGUSR1"
        case SIGUSR2: "SIGUSR2"
        default: "signal \(signal)"
        }
    }
}

/// Seconds on a monotonic clock.
func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) * 1e-9
}
