import Foundation
public import OnionOpsCore
public import OnionOpsKeys

/// The edge of `import` that reads: project files from the paths given
/// (files, or EOTK/Onionspray folders searched for them), then the keys,
/// certificates and worker list around them. Synchronous: the command runs
/// it on the blocking pool.
public enum InstallationScanner {
    public static let siteConfNames = ["eotk-site.conf", "onionspray-site.conf"]
    public static let workersNames = ["eotk-workers.conf", "onionspray-workers.conf"]

    public struct Sources: Sendable {
        public var projectFiles: [EOTKProjectFile] = []
        public var siteConf: EOTKProjectFile?
        /// Folders that may hold `secrets.d/`, `secrets/`, `projects.d/`,
        /// `projects/` and the workers file, nearest first.
        public var roots: [String] = []
    }

    public struct Failure: Error, Sendable {
        public var diagnostic: Diagnostic
    }

    public static func sources(_ paths: [String]) throws(Failure) -> Sources {
        var sources = Sources()
        let manager = FileManager.default
        func addRoot(_ folder: String) {
            let standard = (folder as NSString).standardizingPath
            if !sources.roots.contains(standard) { sources.roots.append(standard) }
        }
        for path in paths {
            var isFolder: ObjCBool = false
            guard manager.fileExists(atPath: path, isDirectory: &isFolder) else {
                throw Failure(diagnostic: .error(.sourceUnreadable, "\(path): no such file or folder", at: nil))
            }
            if isFolder.boolValue {
                addRoot(path)
                let names = ((try? manager.contentsOfDirectory(atPath: path)) ?? []).sorted()
                let found = names.filter {
                    ($0.hasSuffix(".conf") || $0.hasSuffix(".tconf")) && !siteConfNames.contains($0)
                        && !workersNames.contains($0)
                }
                guard !found.isEmpty else {
                    throw Failure(
                        diagnostic: .error(
                            .noManifests, "\(path): no *.conf or *.tconf project file in this folder", at: nil)
                    )
                }
                for name in found { sources.projectFiles.append(try read(path + "/" + name)) }
            } else {
                sources.projectFiles.append(try read(path))
                let folder = (path as NSString).deletingLastPathComponent
                addRoot(folder.isEmpty ? "." : folder)
                addRoot(((folder.isEmpty ? "." : folder) as NSString).appendingPathComponent(".."))
            }
        }
        for root in sources.roots {
            for name in siteConfNames where sources.siteConf == nil {
                let path = root + "/" + name
                if manager.fileExists(atPath: path) { sources.siteConf = try read(path) }
            }
        }
        return sources
    }

    /// Keys for every map line, certificates for every project, workers.
    public static func material(
        for configurations: [EOTKConfiguration],
        roots: [String],
        newKeys: [OnionAddress: OnionKey],
        workersFile: String?
    ) -> (ImportMaterial, [Diagnostic]) {
        var material = ImportMaterial()
        var diagnostics: [Diagnostic] = []
        let manager = FileManager.default
        for configuration in configurations {
            let fileFolder = (configuration.file as NSString).deletingLastPathComponent
            for project in configuration.projects {
                for map in project.maps {
                    if let key = newKeys[map.address] {
                        material.keys[map.address] = key
                        continue
                    }
                    let bare = String(map.address.description.dropLast(OnionAddress.suffix.count))
                    var candidates: [String] = []
                    if let keyPath = map.keyPath {
                        if keyPath.hasPrefix("/") {
                            candidates = [keyPath]
                        } else {
                            candidates = ([fileFolder.isEmpty ? "." : fileFolder] + roots).map { $0 + "/" + keyPath }
                        }
                    } else {
                        for root in roots {
                            for folder in ["secrets.d", "secrets"] {
                                candidates.append("\(root)/\(folder)/\(bare).v3sec.key")
                            }
                        }
                    }
                    guard let path = candidates.first(where: { manager.fileExists(atPath: $0) }) else { continue }
                    guard let bytes = manager.contents(atPath: path).map(Array.init) else {
                        diagnostics.append(.error(.importKey, "\(path): cannot be read", at: map.location))
                        continue
                    }
                    let key: OnionKey
                    do {
                        key = try OnionKey(torSecretKeyFile: bytes)
                    } catch {
                        diagnostics.append(
                            .error(
                                .importKey, "\(path) is not tor's hs_ed25519_secret_key: \(error.message)",
                                at: map.location)
                        )
                        continue
                    }
                    guard key.address == map.address else {
                        diagnostics.append(
                            .error(
                                .importKey, "\(path) holds the key of \(key.address), not \(map.address)",
                                at: map.location)
                        )
                        continue
                    }
                    let publicPath = path.replacingOccurrences(of: ".v3sec.key", with: ".v3pub.key")
                    if publicPath != path, let publicBytes = manager.contents(atPath: publicPath).map(Array.init) {
                        do {
                            try key.verify(torPublicKeyFile: publicBytes)
                        } catch {
                            diagnostics.append(.error(.importKey, "\(publicPath): \(error.message)", at: map.location))
                            continue
                        }
                    }
                    material.keys[map.address] = key
                }
                for root in roots {
                    let folders = [
                        "\(root)/projects.d/\(project.name).d/ssl.d", "\(root)/projects/\(project.name)/ssl",
                    ]
                    guard let folder = folders.first(where: { manager.fileExists(atPath: $0) }) else { continue }
                    var files: [String: String] = [:]
                    for name in (try? manager.contentsOfDirectory(atPath: folder)) ?? []
                    where name.hasSuffix(".cert") || name.hasSuffix(".pem") {
                        if let data = manager.contents(atPath: folder + "/" + name),
                            let text = String(data: data, encoding: .utf8)
                        {
                            files[name] = text
                        }
                    }
                    material.certificateFiles[project.name] = files
                    material.certificateFolders[project.name] = folder
                    break
                }
            }
        }
        let workersPath =
            workersFile
            ?? roots.lazy.flatMap { root in workersNames.map { root + "/" + $0 } }.first {
                manager.fileExists(atPath: $0)
            }
        if let workersPath {
            if let data = manager.contents(atPath: workersPath), let text = String(data: data, encoding: .utf8) {
                material.workers = WorkerEntry.parse(text)
                material.workersFile = workersPath
            } else {
                diagnostics.append(.error(.sourceUnreadable, "\(workersPath): cannot be read", at: nil))
            }
        }
        return (material, diagnostics)
    }

    private static func read(_ path: String) throws(Failure) -> EOTKProjectFile {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw Failure(diagnostic: .error(.sourceUnreadable, "\(path): cannot be read", at: nil))
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw Failure(diagnostic: .error(.importSyntax, "\(path): not UTF-8 text", at: .start(of: path)))
        }
        return EOTKProjectFile(path: path, text: text)
    }
}
