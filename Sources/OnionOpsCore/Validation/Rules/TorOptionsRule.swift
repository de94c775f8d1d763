/// Ranges tor itself enforces, checked before tor ever sees the config.
struct TorOptionsRule: ValidationRule {
    func check(_ topology: Topology, context: ValidationContext, into report: inout ValidationReport) {
        for project in topology.projects {
            let tor = project.tor
            let origin = project.origin
            checkRange(
                tor.introductionPoints,
                TorOptions.introductionPointRange,
                "introductionPoints",
                at: origin.location(of: "spec.tor.introductionPoints"),
                into: &report
            )
            checkRange(
                tor.maxStreams,
                TorOptions.maxStreamsRange,
                "maxStreams",
                at: origin.location(of: "spec.tor.maxStreams"),
                into: &report
            )
            let int32 = 0...Int(Int32.max)
            if let rate = tor.proofOfWork.queueRate {
                checkRange(
                    rate, int32, "pow.queueRate", at: origin.location(of: "spec.tor.pow.queueRate"), into: &report)
            }
            if let burst = tor.proofOfWork.queueBurst {
                checkRange(
                    burst, int32, "pow.queueBurst", at: origin.location(of: "spec.tor.pow.queueBurst"), into: &report)
            }
            let dos = tor.introDoSDefense
            if let rate = dos.ratePerSecond {
                checkRange(
                    rate,
                    1...Int(Int32.max),
                    "introDoSDefense.ratePerSecond",
                    at: origin.location(of: "spec.tor.introDoSDefense.ratePerSecond"),
                    into: &report
                )
            }
            if let burst = dos.burstPerSecond {
                checkRange(
                    burst,
                    1...Int(Int32.max),
                    "introDoSDefense.burstPerSecond",
                    at: origin.location(of: "spec.tor.introDoSDefense.burstPerSecond"),
                    into: &report
                )
                if let rate = dos.ratePerSecond, burst < rate {
                    report.error(
                        .invalidOption,
                        "introDoSDefense.burstPerSecond (\(burst)) must be at least ratePerSecond (\(rate))",
                        at: origin.location(of: "spec.tor.introDoSDefense.burstPerSecond")
                    )
                }
            }
        }
    }

    private func checkRange(
        _ value: Int,
        _ range: ClosedRange<Int>,
        _ what: String,
        at location: SourceLocation,
        into report: inout ValidationReport
    ) {
        if !range.contains(value) {
            report.error(
                .valueOutOfRange,
                "\(what) \(value) is out of range \(range.lowerBound)...\(range.upperBound)",
                at: location
            )
        }
    }
}
