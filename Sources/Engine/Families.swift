/// The registry of experiment families: the value of the parameter `family` -> its family.
/// Adding a family is one line here, its folder under Families/, and its tests.
public enum Families {
    /// The family of a trial that does not name one (every results file written before
    /// families existed holds Farrell trials).
    public static let defaultName = "farrell"

    public static let all: [any ExperimentFamily] = [
        FarrellFamily(),
        LatentDynamicsFamily(),
        FlossingFamily(),
        TimescalesFamily(),
        FeedbackFamily(),
    ]

    public static func named(_ name: String) -> (any ExperimentFamily)? {
        all.first { $0.name == name }
    }

    public static var names: [String] { all.map(\.name) }
}
