import CHDF5
import CMPI

/// An open HDF5 file. Closing is explicit (a parallel file must be closed collectively, after all
/// its objects); `deinit` only closes what an error path left open.
final class H5File {
    let id: hid_t
    let path: String
    private var isOpen = true

    private init(id: hid_t, path: String) { self.id = id; self.path = path }

    /// Creates a file in memory (HDF5's core driver, nothing written to disk), in the earliest
    /// file format (superblock 0: no "open for writing" flag that a killed writer could leave
    /// set). `image()` returns its bytes; `path` only names it in messages.
    static func createInMemory(path: String) throws -> H5File {
        HDF5Library.prepare()
        let access = try h5Id(H5Pcreate(chdf5_p_file_access()), "cannot make file access properties")
        defer { H5Pclose(access) }
        try h5Check(H5Pset_fapl_core(access, 1 << 20, false), "cannot select the in-memory driver")
        try h5Check(H5Pset_libver_bounds(access, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), "cannot set the file format")
        let id = H5Fcreate(path, chdf5_acc_trunc(), chdf5_p_default(), access)
        if id < 0 { throw HDF5Library.failure(.cannotCreate, "cannot create \(path)") }
        return H5File(id: id, path: path)
    }

    /// The bytes of the whole file as it would be on disk (for a file made by `createInMemory`).
    func image() throws -> [UInt8] {
        try h5Check(H5Fflush(id, H5F_SCOPE_GLOBAL), "cannot flush \(path)")
        let size = H5Fget_file_image(id, nil, 0)
        guard size > 0 else { throw HDF5Library.failure(.io, "cannot get the image of \(path)") }
        var bytes = [UInt8](repeating: 0, count: size)
        let copied = bytes.withUnsafeMutableBytes { H5Fget_file_image(id, $0.baseAddress, $0.count) }
        guard copied == size else { throw HDF5Library.failure(.io, "cannot get the image of \(path)") }
        return bytes
    }

    /// Opens a file read-only for one process (no MPI-IO; usable while a run writes the file).
    static func openReadOnly(path: String) throws -> H5File {
        HDF5Library.prepare()
        let access = try fileAccess(parallel: nil)
        defer { H5Pclose(access) }
        let id = H5Fopen(path, chdf5_acc_rdonly(), access)
        if id < 0 { throw HDF5Library.failure(.notHDF5, "cannot open \(path)") }
        return H5File(id: id, path: path)
    }

    /// Opens a file for writing on every rank of `communicator` through MPI-IO (collective).
    static func openParallel(path: String, communicator: Communicator) throws -> H5File {
        HDF5Library.prepare()
        let access = try fileAccess(parallel: communicator)
        defer { H5Pclose(access) }
        let id = H5Fopen(path, chdf5_acc_rdwr(), access)
        if id < 0 { throw HDF5Library.failure(.io, "cannot open \(path) for writing") }
        return H5File(id: id, path: path)
    }

    /// File locking is off: readers must open the file while a run writes it, and several cluster
    /// file systems refuse flock. The store's own write discipline (a new file is renamed into
    /// place; afterwards only raw data is overwritten) keeps concurrent readers consistent.
    private static func fileAccess(parallel communicator: Communicator?) throws -> hid_t {
        let access = try h5Id(H5Pcreate(chdf5_p_file_access()), "cannot make file access properties")
        do {
            try h5Check(H5Pset_file_locking(access, false, true), "cannot turn file locking off")
            try h5Check(H5Pset_libver_bounds(access, H5F_LIBVER_EARLIEST, H5F_LIBVER_V18), "cannot set the file format")
            if let communicator {
                // Ranks write interleaved rows of the same datasets. ROMIO's data sieving would
                // turn such a write into read-modify-write of a span that includes other ranks'
                // rows; with it off every row is written as it is. (Open MPI's default OMPIO
                // never sieves independent writes and ignores the hint.)
                var info: MPI_Info? = chdf5_info_null()
                MPI_Info_create(&info)
                MPI_Info_set(info, "romio_ds_write", "disable")
                defer { MPI_Info_free(&info) }
                try h5Check(H5Pset_fapl_mpio(access, communicator.handle, info), "cannot select MPI-IO")
            }
        } catch {
            H5Pclose(access)
            throw error
        }
        return access
    }

    var root: H5Group { H5Group(unownedId: id, path: "/") }

    func close() throws {
        guard isOpen else { return }
        isOpen = false
        try h5Check(H5Fclose(id), "closing \(path) failed")
    }

    deinit { if isOpen { H5Fclose(id) } }
}

/// A group (or the file itself, which acts as the root group).
final class H5Group {
    let id: hid_t
    let path: String
    private var isOpen: Bool
    private let owned: Bool

    init(unownedId: hid_t, path: String) { id = unownedId; self.path = path; isOpen = false; owned = false }
    private init(ownedId: hid_t, path: String) { id = ownedId; self.path = path; isOpen = true; owned = true }

    func childPath(_ name: String) -> String { path == "/" ? "/" + name : path + "/" + name }

    func createGroup(_ name: String) throws -> H5Group {
        let id = try h5Id(H5Gcreate2(self.id, name, chdf5_p_default(), chdf5_p_default(), chdf5_p_default()),
                          "cannot create group \(childPath(name))")
        return H5Group(ownedId: id, path: childPath(name))
    }

    func openGroup(_ name: String) throws -> H5Group {
        let id = try h5Id(H5Gopen2(self.id, name, chdf5_p_default()), "cannot open group \(childPath(name))")
        return H5Group(ownedId: id, path: childPath(name))
    }

    func contains(_ name: String) -> Bool {
        H5Lexists(id, name, chdf5_p_default()) > 0
    }

    /// Names of the group's members in name order.
    func memberNames() throws -> [String] {
        var info = H5G_info_t()
        try h5Check(H5Gget_info(id, &info), "cannot list \(path)")
        var names: [String] = []
        for index in 0..<info.nlinks {
            let length = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, nil, 0, chdf5_p_default())
            guard length >= 0 else { throw HDF5Library.failure(.io, "cannot list \(path)") }
            var buffer = [CChar](repeating: 0, count: Int(length) + 1)
            _ = H5Lget_name_by_idx(id, ".", H5_INDEX_NAME, H5_ITER_INC, index, &buffer, buffer.count, chdf5_p_default())
            names.append(String(decoding: buffer.prefix(Int(length)).map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        return names
    }

    func close() {
        guard owned, isOpen else { return }
        isOpen = false
        H5Gclose(id)
    }

    deinit { if owned && isOpen { H5Gclose(id) } }
}
