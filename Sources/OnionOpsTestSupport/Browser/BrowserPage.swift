public import Foundation

/// One tab of a DevTools-driven browser, used the way a person uses a
/// page: navigate, click at an element's place on the screen with the
/// mouse, type with key events. Scripts only read the page (text, where
/// an element is); they never fill in or submit anything.
public struct BrowserPage: Sendable {
    public let devtools: DevToolsSession
    /// The flat-mode session of the tab: every command and event of the
    /// page carries it.
    public let session: String

    /// A new blank tab, attached, with Page, Network and Runtime events on.
    public static func open(_ devtools: DevToolsSession) async throws -> BrowserPage {
        let created = try await devtools.call("Target.createTarget", ["url": "about:blank"])
        guard let target = DevToolsJSON.string(created, "targetId") else { throw failure("no targetId") }
        let attached = try await devtools.call("Target.attachToTarget", ["targetId": target, "flatten": true])
        guard let session = DevToolsJSON.string(attached, "sessionId") else { throw failure("no sessionId") }
        let page = BrowserPage(devtools: devtools, session: session)
        for domain in ["Page", "Network", "Runtime"] {
            _ = try await devtools.call("\(domain).enable", session: session)
        }
        return page
    }

    /// Opens `url` and waits for its load event.
    public func go(to url: String, timeout: Duration = .seconds(120)) async throws {
        let mark = devtools.events.count
        let result = try await devtools.call("Page.navigate", ["url": url], session: session, timeout: timeout)
        if let error = DevToolsJSON.string(result, "errorText") { throw Self.failure("\(url): \(error)") }
        try await loaded(after: mark, timeout: timeout)
    }

    /// A left click in the middle of the first element matching
    /// `selector`; with `navigates`, waits for the next page's load event.
    public func click(_ selector: String, navigates: Bool = false, timeout: Duration = .seconds(120)) async throws {
        let script = """
            (() => {
              const element = document.querySelector(\(Self.literal(selector)));
              if (!element) return null;
              element.scrollIntoView({block: "center"});
              const box = element.getBoundingClientRect();
              return [box.x + box.width / 2, box.y + box.height / 2];
            })()
            """
        guard let point = try await evaluate(script) as? [Double], point.count == 2 else {
            throw Self.failure("no element \(selector) in: \(try await text())")
        }
        let mark = devtools.events.count
        for type in ["mouseMoved", "mousePressed", "mouseReleased"] {
            _ = try await devtools.call(
                "Input.dispatchMouseEvent",
                ["type": type, "x": point[0], "y": point[1], "button": "left", "clickCount": 1], session: session)
        }
        if navigates { try await loaded(after: mark, timeout: timeout) }
    }

    /// Types `text` into the focused element, one key press per character.
    public func type(_ text: String) async throws {
        for character in text {
            let key = String(character)
            _ = try await devtools.call(
                "Input.dispatchKeyEvent", ["type": "keyDown", "key": key, "text": key], session: session)
            _ = try await devtools.call("Input.dispatchKeyEvent", ["type": "keyUp", "key": key], session: session)
        }
    }

    /// The page's visible text.
    public func text() async throws -> String {
        try await evaluate("document.body ? document.body.innerText : ''") as? String ?? ""
    }

    /// Polls the text of `selector` every 250 ms until `condition` holds;
    /// throws with the last text after `timeout`.
    public func waitForText(
        _ selector: String, timeout: Duration, until condition: (String) -> Bool
    ) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        var last = ""
        while ContinuousClock.now < deadline {
            last =
                try await evaluate(
                    "(document.querySelector(\(Self.literal(selector))) || {}).textContent || ''") as? String ?? ""
            if condition(last) { return last }
            try await Task.sleep(for: .milliseconds(250))
        }
        throw Self.failure("\(selector) still says \"\(last)\" after \(timeout)")
    }

    /// A PNG of the viewport.
    public func screenshot() async throws -> Data {
        let shot = try await devtools.call("Page.captureScreenshot", ["format": "png"], session: session)
        guard let encoded = DevToolsJSON.string(shot, "data"), let data = Data(base64Encoded: encoded) else {
            throw Self.failure("no screenshot data")
        }
        return data
    }

    /// Every URL this tab asked for, as DevTools reported it: requests
    /// (pages, subresources, form posts) and websockets.
    public func requestedURLs() -> [String] {
        devtools.events.filter { $0.sessionID == session }.compactMap { event in
            switch event.method {
            case "Network.requestWillBeSent": DevToolsJSON.string(event.params, "request", "url")
            case "Network.webSocketCreated": DevToolsJSON.string(event.params, "url")
            default: nil
            }
        }
    }

    /// The value of a script's result (JSON-able values only).
    public func evaluate(_ expression: String) async throws -> Any? {
        let result = try await devtools.call(
            "Runtime.evaluate", ["expression": expression, "returnByValue": true], session: session)
        if let exception = DevToolsJSON.value(result, "exceptionDetails") {
            throw Self.failure("script failed: \(exception)")
        }
        return DevToolsJSON.value(result, "result", "value")
    }

    private func loaded(after mark: Int, timeout: Duration) async throws {
        _ = try await devtools.event("Page.loadEventFired", after: mark, timeout: timeout) {
            $0.sessionID == session
        }
    }

    /// `text` as a JavaScript string literal (JSON's quoting).
    static func literal(_ text: String) -> String {
        let data = (try? JSONSerialization.data(withJSONObject: [text])) ?? Data("[\"\"]".utf8)
        return String(decoding: data, as: UTF8.self) + "[0]"
    }

    static func failure(_ text: String) -> DevToolsSession.Failure { DevToolsSession.Failure(description: text) }
}
