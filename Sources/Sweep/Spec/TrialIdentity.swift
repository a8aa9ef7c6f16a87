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
        String(SHA256.hexDigest(of: resolved.canonicalText).prefix(idLength))
    }

    /// First 16 hex characters of SHA-256 of the trial ids joined by "\n", in plan order.
    public static func planHash(ids: [String]) -> String {
        String(SHA256.hexDigest(of: ids.joined(separator: "\n")).prefix(idLength))
    }
}
