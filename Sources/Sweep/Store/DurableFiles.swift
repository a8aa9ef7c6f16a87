import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The POSIX steps that make replacing a results file atomic: a file is complete before it is
/// renamed into place, and both it and its directory are synced so that the rename survives.
enum DurableFiles {
    static func errorText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }

    enum Entry { case missing, file, directory, other }

    static func entry(at path: String) -> Entry {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .file
        case S_IFDIR: return .directory
        default: return .other
        }
    }

    /// Removes a file if it exists (a stale temporary from a killed run).
    static func removeIfPresent(_ path: String) throws {
        // Where there is nothing, say nothing: unlink reports EROFS on a read-only file system
        // and ENOTDIR under a file even for a name that does not exist, and "cannot remove
        // out.h5.partial" would hide what is wrong (creating the file then names the cause).
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if unlink(path) != 0 && errno != ENOENT {
            throw StoreError(.cannotCreate, "cannot remove \(path): \(errorText())")
        }
    }

    /// Creates (or truncates) `path` to learn early, with the system's own words, whether it can
    /// be created at all: HDF5's report of the same failure is much harder to read.
    static func probeCreate(_ path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else {
            let reason = errorText()
            // The usual case on a fresh checkout: the sweep's output folder is not there yet.
            let folder = (path as NSString).deletingLastPathComponent
            if errno == ENOENT, !folder.isEmpty, entry(at: folder) == .missing {
                throw StoreError(.cannotCreate, "cannot create \(path): the folder \(folder) does not exist "
                                 + "(create it with mkdir -p \(folder), or choose another --output)")
            }
            throw StoreError(.cannotCreate, "cannot create \(path): \(reason)")
        }
        close(descriptor)
    }

    /// Replaces the contents of `path` with `bytes`.
    static func write(_ bytes: [UInt8], to path: String) throws {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard descriptor >= 0 else { throw StoreError(.cannotCreate, "cannot create \(path): \(errorText())") }
        defer { close(descriptor) }
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw StoreError(.cannotCreate, "cannot write \(path) (\(bytes.count) bytes): \(errorText())")
            }
            offset += written
        }
    }

    static func sync(_ path: String, directory: Bool = false) throws {
        let descriptor = open(path, directory ? (O_RDONLY | O_DIRECTORY) : O_RDONLY)
        guard descriptor >= 0 else { throw StoreError(.cannotCreate, "cannot open \(path) to sync it: \(errorText())") }
        defer { close(descriptor) }
        // Some file systems (e.g. certain network mounts) refuse to sync a directory; the rename
        // itself is still atomic there.
        if fsync(descriptor) != 0 && !(directory && (errno == EINVAL || errno == EROFS)) {
            throw StoreError(.cannotCreate, "cannot sync \(path): \(errorText())")
        }
    }

    static func directoryOf(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let directory = String(path[..<slash])
        return directory.isEmpty ? "/" : directory
    }

    /// Renames `source` over `destination` and syncs the directory.
    static func renameDurably(_ source: String, to destination: String) throws {
        guard rename(source, destination) == 0 else {
            throw StoreError(.cannotCreate, "cannot rename \(source) to \(destination): \(errorText())")
        }
        try sync(directoryOf(destination), directory: true)
    }

    /// A backup path next to `path` that does not exist yet: "<path>.<UTC time>.bak".
    static func backupPath(for path: String) -> String {
        let stamp = UTCTime.compactStamp()
        var candidate = "\(path).\(stamp).bak"
        var suffix = 1
        while entry(at: candidate) != .missing {
            suffix += 1
            candidate = "\(path).\(stamp)-\(suffix).bak"
        }
        return candidate
    }
}

enum UTCTime {
    /// "2026-05-01T12:00:00Z"
    static func iso8601(_ seconds: time_t = time(nil)) -> String { format("%Y-%m-%dT%H:%M:%SZ", seconds) }

    /// "20260501T120000Z", for file names.
    static func compactStamp(_ seconds: time_t = time(nil)) -> String { format("%Y%m%dT%H%M%SZ", seconds) }

    private static func format(_ pattern: String, _ seconds: time_t) -> String {
        var value = seconds
        var parts = tm()
        gmtime_r(&value, &parts)
        var buffer = [CChar](repeating: 0, count: 64)
        let length = strftime(&buffer, buffer.count, pattern, &parts)
        return String(decoding: buffer.prefix(length).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
