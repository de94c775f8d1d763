import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdWebSocket
import NIOCore
import OnionOpsCore

/// What the upstream test site serves. Every answer carries the Host it saw
/// twice: in plain words (which the proxy rewrites like any text) and as hex
/// in `X-Seen-Host-Hex` and the body's `seen-host-hex=` line (which no
/// rewriting touches), so a test can tell what reached the upstream.
enum UpstreamSiteRoutes {
    static let domain = "example.org"

    static func router(servedBy address: String) -> Router<BasicRequestContext> {
        let router = Router()
        router.add(middleware: HostCheck())
        router.get("/") { request, _ in
            page(
                request,
                """
                <html><body>
                <a href="https://a.b.deep.example.org/deep/page">deep link</a>
                <a href="https://www.example.org/news">news</a>
                <p>write to user@example.org</p>
                <p>not ours: notexample.org</p>
                </body></html>
                """
            )
        }
        router.get("/login") { request, _ in
            page(
                request,
                #"<form method="post" action="https://example.org/login"><input id="user" name="user">"#
                    + #"<button id="sign-in" type="submit">sign in</button></form>"#)
        }
        router.post("/login") { request, _ in try await login(request) }
        router.get("/account") { request, _ in
            guard let session = request.cookies["session"]?.value, session.hasPrefix("user-") else {
                return page(request, "not logged in", status: .unauthorized)
            }
            return page(request, "logged in as \(session.dropFirst("user-".count))\n" + echoScript)
        }
        router.get("/headers") { request, _ in
            var response = page(request, "headers")
            response.headers[.contentSecurityPolicy] =
                "default-src 'self' https://example.org https://static.example.org; "
                + "img-src https://a.b.deep.example.org https://cdn.example.org; connect-src wss://example.org"
            response.headers[linkField] =
                "<https://static.example.org/app.css>; rel=preload; as=style, "
                + "<https://fonts.example.org/f.woff2>; rel=preload; as=font; crossorigin"
            return response
        }
        router.post("/upload") { request, _ in
            var count = 0
            for try await chunk in request.body { count += chunk.readableBytes }
            return page(request, "received=\(count)")
        }
        router.get("/served-by") { request, _ in page(request, "served-by=\(address)") }
        // What nginx made of tor's PROXY header (hex: bodies are rewritten).
        router.get("/circuit") { request, _ in
            page(request, "circuit-hex=\(hex(request.headers[circuitField] ?? ""))")
        }
        router.get("**") { request, _ in page(request, "path=\(request.uri.path)") }
        return router
    }

    /// The login POST: accepted only when Origin and Referer name the
    /// upstream (as a browser on the real site would send them); the
    /// session cookie is made out for the whole domain.
    static func login(_ request: Request) async throws -> Response {
        let origin = request.headers[.origin] ?? ""
        let referer = request.headers[.referer] ?? ""
        guard namesDomain(origin), namesDomain(referer) else {
            return page(request, "forbidden: origin=\(hex(origin)) referer=\(hex(referer))", status: .forbidden)
        }
        var body = try await request.body.collect(upTo: 65_536)
        let form = body.readString(length: body.readableBytes) ?? ""
        let user =
            form.split(separator: "&").first { $0.hasPrefix("user=") }.map { String($0.dropFirst("user=".count)) }
            ?? "anonymous"
        // The account lives on a deep subdomain: a browser must carry the
        // Domain cookie there, two labels under the onion.
        var response = page(
            request,
            "welcome \(user)\n" + #"<a id="account" href="https://x.deep.example.org/account">your account</a>"#)
        response.headers[.setCookie] = "session=user-\(user); Domain=\(domain); Path=/; Secure; HttpOnly"
        return response
    }

    /// For a browser: the page opens the site's websocket echo by its
    /// upstream name (which the proxy must rewrite to the onion) and writes
    /// the answer into `#echo`.
    static let echoScript = """
        <p id="echo">no echo yet</p>
        <script>
        const socket = new WebSocket("wss://x.deep.example.org/ws");
        socket.onopen = () => socket.send("hello from the page");
        socket.onmessage = (event) => { document.getElementById("echo").textContent = event.data; socket.close(); };
        socket.onerror = () => { document.getElementById("echo").textContent = "websocket error"; };
        </script>
        """

    /// True when `value` is a URL whose host is the domain or under it.
    static func namesDomain(_ value: String) -> Bool {
        guard let host = URL(string: value)?.host?.lowercased() else { return false }
        return host == domain || host.hasSuffix("." + domain)
    }

    /// The websocket echo: each text message comes back prefixed, with
    /// the Host of the upgrade request (frames are never rewritten).
    static func echo(host: String) -> WebSocketDataHandler<HTTP1WebSocketUpgradeChannel.Context> {
        { inbound, outbound, _ in
            for try await message in inbound.messages(maxSize: 1 << 20) {
                if case .text(let text) = message {
                    try await outbound.write(.text("echo:\(text) host=\(host)"))
                }
            }
        }
    }

    static func page(_ request: Request, _ content: String, status: HTTPResponse.Status = .ok) -> Response {
        let host = request.head.authority ?? ""
        var headers: HTTPFields = [.contentType: "text/html; charset=utf-8"]
        headers[seenHostField] = hex(host)
        headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        return Response(
            status: status,
            headers: headers,
            body: .init(byteBuffer: ByteBuffer(string: "host=\(host)\nseen-host-hex=\(hex(host))\n\(content)\n"))
        )
    }

    // Literal, valid field names: the fallbacks never happen.
    static let linkField = HTTPField.Name("Link") ?? .contentLocation
    static let seenHostField = HTTPField.Name("X-Seen-Host-Hex") ?? .via
    static let circuitField = HTTPField.Name("X-Onion-CircuitID") ?? .via

    static func hex(_ text: String) -> String { Hex.encode(text.utf8) }

    /// Names outside the site answer 404, as a virtual host would.
    struct HostCheck: RouterMiddleware {
        typealias Context = BasicRequestContext

        func handle(
            _ request: Request,
            context: Context,
            next: (Request, Context) async throws -> Response
        ) async throws -> Response {
            let host = (request.head.authority ?? "").split(separator: ":").first.map(String.init) ?? ""
            guard host == domain || host.hasSuffix("." + domain) else {
                return page(request, "unknown host", status: .notFound)
            }
            return try await next(request, context)
        }
    }
}
