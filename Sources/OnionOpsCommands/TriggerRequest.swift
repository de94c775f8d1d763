import AsyncHTTPClient
import Foundation
import NIOCore

/// One POST to a running `onionops watch`, for `onionops trigger`, through
/// AsyncHTTPClient: its token goes in a header written by this process,
/// never on a helper's command line (which every local user can read in
/// /proc).
enum TriggerRequest {
    struct Response {
        var status: Int
        var body: String
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let timeout = TimeAmount.seconds(10)
    static let maxResponse = 64 << 10

    /// `url` is `http://host[:port][/prefix]`; plain http only: the token
    /// file names a daemon on this machine or a private network.
    static func post(url: String, path: String, headers: [String: String]) async throws(Failure) -> Response {
        guard let components = URLComponents(string: url), components.scheme?.lowercased() == "http",
            let host = components.host, !host.isEmpty, components.query == nil, components.fragment == nil
        else { throw Failure(description: "the URL must be http://host:port") }
        let prefix =
            components.percentEncodedPath.hasSuffix("/")
            ? String(components.percentEncodedPath.dropLast()) : components.percentEncodedPath
        var request = HTTPClientRequest(
            url: "http://\(components.percentEncodedHost ?? host)\(components.port.map { ":\($0)" } ?? "")"
                + prefix + path)
        request.method = .POST
        for (name, value) in headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        // No redirects: a redirect would carry the token elsewhere.
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow)
        configuration.timeout = .init(connect: timeout, read: timeout)
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
        do {
            let response = try await client.execute(request, timeout: timeout)
            let body = try await response.body.collect(upTo: maxResponse)
            try? await client.shutdown()
            return Response(status: Int(response.status.code), body: String(buffer: body))
        } catch {
            try? await client.shutdown()
            throw Failure(description: "\(error)")
        }
    }
}
