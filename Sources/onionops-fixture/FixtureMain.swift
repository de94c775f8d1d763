import Foundation
import OnionOpsCore
import OnionOpsHosts

/// `onionops-fixture write-loop ROOT PATH`: rewrites PATH on the local host
/// at ROOT forever, alternating two contents of different sizes, so a test
/// can SIGKILL it at any moment and check the file is whole.
@main
struct FixtureMain {
    static func main() async {
        let arguments = CommandLine.arguments
        guard arguments.count == 4, arguments[1] == "write-loop" else {
            FileHandle.standardError.write(Data("usage: onionops-fixture write-loop ROOT PATH\n".utf8))
            exit(2)
        }
        let transport = LocalTransport(host: "fixture", root: arguments[2])
        let contents = [
            [UInt8](repeating: UInt8(ascii: "a"), count: 200_000),
            [UInt8](repeating: UInt8(ascii: "b"), count: 50_000),
        ]
        var round = 0
        while true {
            let file = ManagedFile(path: arguments[3], content: contents[round % 2], mode: 0o640)
            do {
                try await transport.apply([.write(file)])
            } catch {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                exit(1)
            }
            round += 1
        }
    }
}
