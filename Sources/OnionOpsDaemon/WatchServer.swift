import HTTPTypes
public import Hummingbird
public import Logging
import NIOCore

/// The daemon's HTTP side (Hummingbird): `POST /webhook` (HMAC-SHA256 in
/// `X-Hub-Signature-256`, as GitHub, Gitea and GitLab send), `POST
/// /trigger` (what `onionops trigger` and a post-receive hook call, with
/// `Authorization: Bearer <token>`), `GET /status` (the fleet at a glance,
/// HTML, with `/status/graph.svg`; same token), `GET /metrics` (Prometheus
/// text) and `GET /healthz`. Both POSTs are authenticated: whoever can reach the
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
        // The status page: read-only, behind the same token as /trigger
        // (a browser sends it as the password of Basic authentication).
        router.get("/status") { request, _ -> Response in
            if let refusal = refusal(request, token: triggerToken, path: "/status", metrics: metrics, logger: logger) {
                return refusal
            }
            return page(.ok, "text/html; charset=utf-8", await controller.statusPage())
        }
        router.get(.init(stringLiteral: StatusPage.graphPath)) { request, _ -> Response in
            if let refusal = refusal(
                request, token: triggerToken, path: StatusPage.graphPath, metrics: metrics, logger: logger)
            {
                return refusal
            }
            guard let svg = await controller.graph() else { return text(.notFound, "no drawing\n") }
            return page(.ok, "image/svg+xml", svg)
        }
        router.get("/healthz") { _, _ -> Response in
            text(.ok, "ok: \(await controller.lastResult)\n")
        }
        return router
    }

    /// nil when the request carries the token; else the answer that
    /// refuses it (404 with no token configured, 401 asking a browser for
    /// it otherwise).
    static func refusal(
        _ request: Request, token: [UInt8]?, path: String, metrics: WatchMetrics, logger: Logger
    ) -> Response? {
        guard let token else {
            return text(
                .notFound, "status page disabled: start watch with --trigger-token-file or --webhook-secret-file\n")
        }
        let header = HTTPField.Name(TriggerToken.header).flatMap { request.headers[$0] }
        if TriggerToken.isValid(header, token: token, basic: true) { return nil }
        logger.warning("\(path) refused: bad or missing \(TriggerToken.header)")
        metrics.unauthorized(path: path)
        var response = text(.unauthorized, "bad or missing token\n")
        response.headers[.wwwAuthenticate] = "Basic realm=\"onionops\", charset=\"UTF-8\""
        return response
    }

    /// A page or an image of the status page: never cached, never framed,
    /// and no script runs from it, whatever it contains.
    static func page(_ status: HTTPResponse.Status, _ type: String, _ body: String) -> Response {
        Response(
            status: status,
            headers: [
                .contentType: type,
                .cacheControl: "no-store",
                .contentSecurityPolicy:
                    "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; frame-ancestors 'none'",
                .xContentTypeOptions: "nosniff",
            ],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }

    static func text(_ status: HTTPResponse.Status, _ body: String) -> Response {
        Response(
            status: status, headers: [.contentType: "text/plain; charset=utf-8"],
            body: ResponseBody(byteBuffer: ByteBuffer(string: body)))
    }
}
