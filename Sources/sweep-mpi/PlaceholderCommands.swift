import ArgumentParser
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "run")
    @Argument var sweep: String
    func run() throws {}
}
struct PlanCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "plan") }
struct StatusCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "status") }
struct StatsCommand: ParsableCommand { static let configuration = CommandConfiguration(commandName: "stats") }
