import OnionOpsCore
import Yams

enum BalancerDecoder {
    static func decode(name: String, spec node: Node, context: DecodeContext) -> Balancer? {
        guard let spec = MappingReader(node, path: "spec", allowed: ["project", "hosts"], context: context) else {
            context.markMissingRequired()
            return nil
        }
        let project = spec.requiredString("project")
        var hosts: [String]?
        if spec.has("hosts") {
            hosts = spec.stringList("hosts")
        } else {
            spec.missing("hosts")
        }
        guard let project, let hosts else { return nil }
        return Balancer(name: name, project: project, hosts: hosts, origin: context.origin)
    }
}
