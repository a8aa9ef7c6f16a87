/// How trials and plans are named across runs: content hashes, so that a trial keeps its
/// identity whatever the rank count, the order of keys in the sweep file or the growth of
/// the sweep.
public enum TrialIdentity {
    /// Hex characters kept from the SHA-256 digest (64 bits: collisions are negligible for
    /// any sweep that fits in memory, and the id stays readable).
    public static let idLength = 16

    /// First 16 lowercase hex characters of SHA-256 of the canonical text of the fully
    /// resolved parameter object.
    public static func id(of resolved: JSONObject) -> String {
        var hasher = SHA256()
        hasher.update(resolved.canonicalText)
        return id(digest: hasher.finalize())
    }

    /// The id of a canonical text's SHA-256 digest.
    static func id(digest: [UInt8]) -> String {
        SHA256.hex(Array(digest.prefix(idLength / 2)))
    }

    /// First 16 hex characters of SHA-256 of the trial ids joined by "\n", in plan order.
    public static func planHash(ids: [String]) -> String {
        var hasher = SHA256()
        for (index, id) in ids.enumerated() {
            if index > 0 { hasher.update("\n") }
            hasher.update(id)
        }
        return id(digest: hasher.finalize())
    }
}
