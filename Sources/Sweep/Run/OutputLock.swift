#if canImport(Glibc)
import Glibc
#endif

/// Keeps two runs from writing one results file at once (a job submitted twice): rank 0 holds an
/// advisory lock (flock) on `<output>.lock` for the whole run. The kernel drops the lock when the
/// process dies however it dies, so a killed job never leaves a lock that blocks its rerun. On
/// file systems without flock support the run goes on unprotected.
final class OutputLock {
    let path: String
    private var descriptor: Int32

    /// Takes the lock, or throws if another live process holds it. Returns nil when no lock can
    /// be taken here (the folder does not exist or is read-only — preparing the output then fails
    /// with its own message —, or the file system has no locks).
    static func acquire(for output: String) throws(StoreError) -> OutputLock? {
        let path = output + ".lock"
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { return nil }
        if flock(descriptor, LOCK_EX | LOCK_NB) != 0 {
            let error = errno
            close(descriptor)
            if error == EWOULDBLOCK {
                throw StoreError(.cannotCreate, "\(output) is being written by another run (it holds \(path)); "
                                 + "wait for that run to end, or stop it, then run again")
            }
            unlink(path)
            return nil
        }
        // Who holds it, for a curious user; the lock itself is the flock.
        let holder = "pid \(getpid())\n"
        _ = ftruncate(descriptor, 0)
        _ = holder.withCString { write(descriptor, $0, strlen($0)) }
        return OutputLock(path: path, descriptor: descriptor)
    }

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Removes the lock file and releases the lock.
    func release() {
        guard descriptor >= 0 else { return }
        unlink(path)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
