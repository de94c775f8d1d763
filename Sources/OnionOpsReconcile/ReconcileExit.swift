/// Exit codes, like `terraform plan -detailed-exitcode`.
public enum ReconcileExit {
    /// Applying: 1 when a person must look (error, unreachable, failed
    /// rollback), else 3 when a host was rolled back, else 0.
    public static func code(_ reports: [HostReport]) -> Int32 {
        if reports.contains(where: { [.error, .unreachable, .rollbackFailed].contains($0.status) }) { return 1 }
        if reports.contains(where: { $0.status == .rolledBack }) { return 3 }
        return 0
    }

    /// A dry run: 1 when a host could not be planned, 2 when changes are
    /// pending, else 0.
    public static func dryRunCode(_ reports: [HostReport]) -> Int32 {
        if reports.contains(where: { $0.status == .error || $0.status == .unreachable }) { return 1 }
        if reports.contains(where: { $0.status == .changesPending }) { return 2 }
        return 0
    }
}
