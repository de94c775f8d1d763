import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// The daemon's HTTP side (Hummingbird): `POST /webhook` (HMAC-SHA256 in
/// `X-Hub-Signature-256`, as GitHub, Gitea and GitLab send), `POST
/// /trigger` (what `onionops trigger` and a post-receive hook call, with
/// `Authorization: Bearer <token>`), `GET /metrics` (Prometheus text) and
/// `GET /healthz`. Both POSTs are authenticated: whoever can reach the
/// port must not be able to drive reconciles. A refused request is counted
/// in `onionops_http_unauthorized_total`, never as a refused revision.
public enum WatchServer {
    /// Bodies larger than this are refused before they are read whole.
    static let maxBody = 1 << 20

    public static func router(
        controller: WatchController, metrics: WatchMetrics, webhookSecret: [UInt8]?, triggerToken: [UInt8]?,
        logger: Logger
    ) -> Router<BasicRequestContext> {
        let router = Router()
        router.post("/webhook") { request, _ -> Response in
            var request = request
            let body = try await request.collectBody(upTo: maxBody)
            guard let secret = webhookSecret else {
                return text(.notFound, "webhook disabled: start watch with --webhook-secret-file\n")
            }
            let header = HTTPField.Name(WebhookSignature.header).flatMap { request.headers[$0] }
            guard WebhookSignature.isValid(header, body: Array(buffer: body), secret: secret) else {
                logger.warning("webhook refused: bad or missing \(WebhookSignature.header)")
                metrics.unauthorized(path: "/webhook")
                return text(.unauthorized, "bad signature\n")
            }
            await controller.trigger("webhook")
            return text(.accepted, "reconcile queued\n")
        }
        router.post("/trigger") { request, _ -> Response in
            guard let token = triggerToken else {
                return text(
                    .notFound, "trigger disabled: start watch with --trigger-token-file or --webhook-secret-file\n")
            }
            let header = HTTPField.Name(TriggerToken.header).flatMap { request.headers[$0] }
            guard TriggerToken.isValid(header, token: token) else {
                logger.warning("trigger refused: bad or missing \(TriggerToken.header)")
                metrics.unauthorized(path: "/trigger")
                return text(.unauthorized, "bad or missing token\n")
            }
            await controller.trigger("trigger")
            return text(.accepted, "reconcile queued\n")
        }
        router.get("/metrics") { _, _ -> Response in
            var response = text(.ok, metrics.text())
            response.headers[.contentType] = "text/plain; version=0.0.4"
            return response
        }
        router.get("/healthz") { _, _ -> Response in
            text(.ok, "ok: \(await controller.lastResult)\n")
        }
        return router
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
