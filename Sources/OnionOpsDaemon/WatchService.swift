public import ServiceLifecycle

/// The reconcile loop as a service of the daemon's service group: a
/// graceful shutdown (SIGTERM, SIGINT) lets the reconcile in hand finish.
public struct WatchService: Service {
    public let controller: WatchController

    public init(controller: WatchController) {
        self.controller = controller
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            await controller.run()
        } onGracefulShutdown: {
            Task { await controller.stop() }
        }
    }
}
