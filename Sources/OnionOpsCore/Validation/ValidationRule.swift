/// One family of checks over a whole topology. Rules report into a shared
/// report and never stop at the first problem.
public protocol ValidationRule: Sendable {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport)
}
