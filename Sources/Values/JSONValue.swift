/// A JSON value as the sweep sees it. Objects keep their key order (expansion order and
/// error messages follow the file), and every number is a Double so that 1 and 1.0 are one value.
public enum JSONValue: Hashable, Sendable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object. Keys are unique (the parser rejects duplicates).
public struct JSONObject: Hashable, Sendable, Sequence {
    public struct Member: Hashable, Sendable {
        public var key: String
        public var value: JSONValue
        public init(key: String, value: JSONValue) { self.key = key; self.value = value }
    }
    public private(set) var members: [Member]

    public init() { members = [] }
    public init(_ members: [(String, JSONValue)]) {
        self.members = []
        for (key, value) in members { self[key] = value }
    }

    /// Builds an object in O(n) from members whose keys are already known to be distinct
    /// (the parser has checked them); the keyed initialiser is O(n^2) on large objects.
    public init(uniqueMembers: [Member]) {
        assert(Set(uniqueMembers.map(\.key)).count == uniqueMembers.count, "keys must be distinct")
        members = uniqueMembers
    }

    public var keys: [String] { members.map(\.key) }
    public var count: Int { members.count }
    public var isEmpty: Bool { members.isEmpty }

    public subscript(key: String) -> JSONValue? {
        get { members.first(where: { $0.key == key })?.value }
        set {
            if let index = members.firstIndex(where: { $0.key == key }) {
                if let newValue { members[index].value = newValue } else { members.remove(at: index) }
            } else if let newValue {
                members.append(Member(key: key, value: newValue))
            }
        }
    }

    public func makeIterator() -> IndexingIterator<[Member]> { members.makeIterator() }
}
