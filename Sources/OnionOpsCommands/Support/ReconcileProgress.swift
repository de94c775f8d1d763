import OnionOpsCore
import OnionOpsReconcile

/// Progress lines on stderr while a reconcile runs.
enum ReconcileProgress {
    static func print(_ event: ReconcileEvent) {
        switch event {
        case .planned(let host, let plan):
            Console.err("\(host): plan: \(plan.isEmpty ? "in sync" : plan.summary)")
        case .stepStarted, .hostIO:
            break
        case .stepFinished(let host, let step, let failure, let seconds):
            let time = String(Int(seconds * 1000)) + " ms"
            if let failure {
                Console.err("\(host): FAILED \(step) (\(time)): \(failure)")
            } else {
                Console.err("\(host): ok \(step) (\(time))")
            }
        case .rollingBack(let host, let reason):
            Console.err("\(host): rolling back to the previous generation: \(reason)")
        case .finished(let report):
            var line = "\(report.host): \(report.status.rawValue)"
            if let generation = report.generation { line += ", generation \(generation)" }
            Console.err(line)
        }
    }
}
