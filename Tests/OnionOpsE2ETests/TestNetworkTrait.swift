import Testing

/// Starts the shared test network and upstream around a whole suite (once,
/// not per test) and stops them afterwards, whatever the tests did.
struct TestNetworkTrait: SuiteTrait, TestScoping {
    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        guard E2EWorld.isEnabled else {
            try await function()
            return
        }
        let world = try await E2EWorld.start()
        do {
            try await E2EWorld.$current.withValue(world) { try await function() }
        } catch {
            world.stop()
            throw error
        }
        world.stop()
    }
}

extension Trait where Self == TestNetworkTrait {
    /// One private Tor network for the suite and everything nested in it.
    static var testNetwork: Self { Self() }
}
