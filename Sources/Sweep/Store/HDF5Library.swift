import CHDF5
#if canImport(Glibc)
import Glibc
#endif

/// The parallel HDF5 build is not thread-safe, while tests (and a future caller) may read results
/// from several threads: every public store operation holds this process-wide recursive lock.
final class RecursiveLock: @unchecked Sendable {
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    init() {
        mutex = .allocate(capacity: 1)
        var attributes = pthread_mutexattr_t()
        pthread_mutexattr_init(&attributes)
        pthread_mutexattr_settype(&attributes, Int32(PTHREAD_MUTEX_RECURSIVE))
        pthread_mutex_init(mutex, &attributes)
        pthread_mutexattr_destroy(&attributes)
    }

    func withLock<T, E: Error>(_ body: () throws(E) -> T) throws(E) -> T {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}

enum HDF5Library {
    static let lock = RecursiveLock()

    /// Opens the library once and turns off its automatic printing of error stacks: failures
    /// become `StoreError`s carrying the innermost message instead.
    private static let prepared: Bool = {
        H5open()
        H5Eset_auto2(chdf5_e_default(), nil, nil)
        return true
    }()

    static func prepare() { _ = prepared }

    /// "HDF5 1.10.8"
    static var version: String {
        prepare()
        var major: UInt32 = 0, minor: UInt32 = 0, release: UInt32 = 0
        H5get_libversion(&major, &minor, &release)
        return "HDF5 \(major).\(minor).\(release)"
    }

    /// The innermost message of the current error stack (the most specific cause), then clears it.
    static func takeErrorMessage() -> String {
        final class Messages { var items: [String] = [] }
        let messages = Messages()
        let walker: H5E_walk2_t = { _, error, clientData in
            guard let error, let clientData else { return 0 }
            let box = Unmanaged<Messages>.fromOpaque(clientData).takeUnretainedValue()
            if let description = error.pointee.desc { box.items.append(String(cString: description)) }
            return 0
        }
        withExtendedLifetime(messages) {
            _ = H5Ewalk2(chdf5_e_default(), H5E_WALK_DOWNWARD, walker, Unmanaged.passUnretained(messages).toOpaque())
        }
        H5Eclear2(chdf5_e_default())
        return messages.items.last(where: { !$0.isEmpty }) ?? "unknown HDF5 error"
    }

    /// An error for a failed HDF5 call: "<action>: <innermost HDF5 message>".
    static func failure(_ kind: StoreError.Kind, _ action: String) -> StoreError {
        StoreError(kind, "\(action): \(takeErrorMessage())")
    }
}

/// Throws unless an HDF5 call returning a status succeeded.
@inline(__always)
func h5Check(_ status: herr_t, _ action: @autoclosure () -> String) throws {
    if status < 0 { throw HDF5Library.failure(.io, action()) }
}

/// Throws unless an HDF5 call returning an identifier succeeded.
@inline(__always)
func h5Id(_ id: hid_t, _ action: @autoclosure () -> String) throws -> hid_t {
    if id < 0 { throw HDF5Library.failure(.io, action()) }
    return id
}
