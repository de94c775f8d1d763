public import Foundation

/// Reads values out of DevTools messages (JSON `Data`), one key per path
/// step; a number step indexes an array.
public enum DevToolsJSON {
    public static func value(_ data: Data, _ path: String...) -> Any? {
        value(data, path: path)
    }

    public static func value(_ data: Data, path: [String]) -> Any? {
        guard var current = try? JSONSerialization.jsonObject(with: data) else { return nil }
        for step in path {
            if let object = current as? [String: Any], let next = object[step] {
                current = next
            } else if let array = current as? [Any], let index = Int(step), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    public static func string(_ data: Data, _ path: String...) -> String? {
        value(data, path: path) as? String
    }
}
