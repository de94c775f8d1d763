import Foundation
import OnionOpsCore
import OnionOpsTestSupport

/// The table of invalid manifests. Each names the rule it breaks; every
/// expected position was checked by hand against the YAML.
enum BadManifestCases {
    static let a = TestOnions.a
    static let b = TestOnions.b

    /// A valid host, to prefix documents that need one.
    static let host = """
        apiVersion: onionops/v1
        kind: Host
        metadata: {name: edge-1}
        spec: {local: {root: /tmp/oo/e1}}
        ---

        """

    static func project(_ spec: String, name: String = "news") -> String {
        """
        apiVersion: onionops/v1
        kind: Project
        metadata: {name: \(name)}
        spec:
        \(spec)
        """
    }

    static let hardmapSpec = """
          mode: hardmap
          placement: {hosts: [edge-1]}
          sites:
            - onion: \(a)
              upstream: example.org
        """

    static var all: [BadManifest] {
        syntax + decoding + references + onions + limits + injection + traversal + hostile
    }

    // MARK: YAML syntax

    static let syntax: [BadManifest] = [
        .marked(
            "syntax: unclosed flow sequence",
            .yamlSyntax,
            mentions: "flow sequence",
            host + project("  mode: hardmap\n  placement: {hosts: [edge-1«}\n")
        ),
        .marked(
            "syntax: a value where a mapping key was expected",
            .yamlSyntax,
            mentions: "mapping values are not allowed",
            "apiVersion: onionops/v1\nkind: Host«: x\n"
        ),
        .marked(
            "syntax: a tab used for indentation",
            .yamlSyntax,
            mentions: "tab",
            "apiVersion: onionops/v1\nkind: Host\nspec:\n«\tlocal: {root: /tmp/oo/e1}\n"
        ),
        BadManifest(
            name: "syntax: invalid UTF-8",
            files: [
                "m.yaml": .generated {
                    Data("apiVersion: onionops/v1\nkind: ".utf8) + Data([0xFF, 0x41]) + Data("\n".utf8)
                }
            ],
            code: .yamlEncoding,
            mentions: "UTF-8",
            file: "m.yaml",
            line: 2,
            column: 7
        ),
        .marked(
            "syntax: duplicate key",
            .duplicateKey,
            mentions: "'mode'",
            host + project("  mode: hardmap\n  «mode: softmap\n  placement: {hosts: [edge-1]}\n  sites: []")
        ),
    ]

    // MARK: Decoding

    static let decoding: [BadManifest] = [
        .marked(
            "type mismatch: torInstances is not an integer",
            .typeMismatch,
            mentions: "must be an integer",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1], torInstances: «two}\n  sites: [{onion: \(a), upstream: example.org}]"
                )
        ),
        .marked(
            "type mismatch: sites is a mapping",
            .typeMismatch,
            mentions: "must be a sequence",
            host + project("  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: «{onion: \(a)}")
        ),
        .marked(
            "type mismatch: placement hosts is a string",
            .typeMismatch,
            mentions: "must be a sequence",
            host + project("  mode: hardmap\n  placement: {hosts: «edge-1}\n  sites: []")
        ),
        .marked(
            "type mismatch: YAML 1.1 boolean",
            .typeMismatch,
            mentions: "true or false",
            host + project(hardmapSpec + "\n  tor: {singleOnion: «yes}")
        ),
        .marked(
            "type mismatch: a document that is a list",
            .typeMismatch,
            mentions: "must be a mapping",
            "«- apiVersion: onionops/v1\n- kind: Host\n"
        ),
        .marked(
            "unknown key: misspelt metadata",
            .unknownKey,
            mentions: "did you mean 'metadata'",
            "apiVersion: onionops/v1\nkind: Host\n«metdata: {name: edge-1}\nspec: {local: {root: /tmp/oo/e1}}\n"
        ),
        .marked(
            "unknown key: in spec.tor",
            .unknownKey,
            mentions: "did you mean 'introductionPoints'",
            host + project(hardmapSpec + "\n  tor:\n    «introPoints: 5")
        ),
        .marked(
            "unknown key: in a site",
            .unknownKey,
            mentions: "'upstreams'",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites:\n    - onion: \(a)\n      upstream: example.org\n      «upstreams: [example.net]"
                )
        ),
        .marked(
            "missing key: mode",
            .missingKey,
            mentions: "'mode'",
            host
                + "apiVersion: onionops/v1\nkind: Project\nmetadata: {name: news}\nspec:\n  «placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]\n"
        ),
        .marked(
            "missing key: a site's upstream",
            .missingKey,
            mentions: "'upstream'",
            host + project("  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites:\n    - «onion: \(a)")
        ),
        .marked(
            "unknown kind",
            .unknownKind,
            mentions: "did you mean 'Balancer'",
            "apiVersion: onionops/v1\nkind: «Balancr\nmetadata: {name: f}\nspec: {}\n"
        ),
        .marked(
            "unsupported apiVersion",
            .unsupportedAPIVersion,
            mentions: "onionops/v1",
            "apiVersion: «onionops/v2\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: /tmp/oo/e1}}\n"
        ),
        .marked(
            "bad enum value: mode",
            .invalidValue,
            mentions: "'hardmap', 'softmap'",
            host
                + project(
                    "  mode: «hardmapp\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]"
                )
        ),
        .marked(
            "a host with both local and ssh",
            .invalidValue,
            mentions: "not both",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  «local: {root: /tmp/oo/e1}\n  ssh: {address: 127.0.0.2}\n"
        ),
        .marked(
            "a testing tor option outside the allowed list",
            .invalidOption,
            mentions: "'ExitRelay 1' is not allowed",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n  testHost: true\n  testing: {torOptions: [\"DisableNetwork 1\", «ExitRelay 1]}\n"
        ),
        .marked(
            "a testing tor option with a comment sign",
            .invalidOption,
            mentions: "not allowed",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n  testHost: true\n  testing:\n    torOptions:\n      - «\"DirAuthority a # b\"\n"
        ),
        .marked(
            "testing tor options on a host not marked as a test host",
            .invalidOption,
            mentions: "test hosts only",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  ssh: {address: 192.0.2.10}\n  testing: {torOptions: «[\"TestingTorNetwork 1\"]}\n"
        ),
        .marked(
            "a daemon user that is root",
            .invalidValue,
            mentions: "is root (uid 0)",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n  tor: {user: «root}\n"
        ),
    ]

    // MARK: References and topology rules

    static let references: [BadManifest] = [
        .marked(
            "dangling reference: placement host",
            .danglingReference,
            mentions: "'ghost'",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1, «ghost]}\n  sites: [{onion: \(a), upstream: example.org}]"
                )
        ),
        .marked(
            "dangling reference: balancer project",
            .danglingReference,
            mentions: "'shopp'",
            host
                + "apiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: f}\nspec: {project: «shopp, hosts: [edge-1]}\n"
        ),
        .marked(
            "dangling reference: balancer host",
            .danglingReference,
            mentions: "'pub-9'",
            host
                + project(
                    "  mode: softmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]",
                    name: "shop")
                + "\n---\napiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: f}\nspec: {project: shop, hosts: [«pub-9]}\n"
        ),
        .marked(
            "duplicate name: two hosts edge-1",
            .duplicateName,
            mentions: "defined again",
            host + "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: «edge-1}\nspec: {local: {root: /tmp/oo/e2}}\n"
        ),
        .marked(
            "balancer for a hardmap project",
            .balancerMismatch,
            mentions: "hardmap",
            host + project(hardmapSpec)
                + "\n---\napiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: f}\nspec: {project: «news, hosts: [edge-1]}\n"
        ),
        .marked(
            "softmap project without a balancer",
            .balancerMismatch,
            mentions: "no Balancer",
            host
                + project(
                    "  mode: «softmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]")
        ),
        .marked(
            "a softmap frontend also served by a hardmap project",
            .keyPlacement,
            mentions: "only be on its publishers",
            host
                + project(
                    "  mode: softmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]",
                    name: "shop")
                + "\n---\napiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: f}\nspec: {project: shop, hosts: [edge-1]}\n---\n"
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: «\(a), upstream: example.org}]",
                    name: "copy")
        ),
        .marked(
            "one onion, two projects, two upstreams",
            .siteConflict,
            mentions: "hardmap-cpu",
            host + project(hardmapSpec, name: "cpu1") + "\n---\n"
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: «\(a), upstream: example.net}]",
                    name: "cpu2")
        ),
    ]

    // MARK: Onion addresses

    static let onions: [BadManifest] = [
        .marked(
            "bad checksum",
            .onionChecksum,
            mentions: "checksum",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: «\(TestOnions.withBadChecksum(a)), upstream: example.org}]"
                )
        ),
        .marked(
            "onion of the wrong length",
            .invalidOnionAddress,
            mentions: "56 base32",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: «\(a.dropFirst()), upstream: example.org}]"
                )
        ),
        .marked(
            "onion in uppercase",
            .invalidOnionAddress,
            mentions: "lowercase base32",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: «\(a.dropLast(6).uppercased()).onion, upstream: example.org}]"
                )
        ),
    ]

    // MARK: Limits

    static let limits: [BadManifest] = [
        .marked(
            "nine backends: three hosts of three tor instances",
            .tooManyBackends,
            mentions: "at most 8",
            """
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: e1}
            spec: {local: {root: /tmp/oo/e1}}
            ---
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: e2}
            spec: {local: {root: /tmp/oo/e2}}
            ---
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: e3}
            spec: {local: {root: /tmp/oo/e3}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: shop}
            spec:
              mode: softmap
              placement: «{hosts: [e1, e2, e3], torInstances: 3}
              sites: [{onion: \(a), upstream: example.org}]
            ---
            apiVersion: onionops/v1
            kind: Balancer
            metadata: {name: f}
            spec: {project: shop, hosts: [e1]}

            """
        ),
        .marked(
            "nine backends on one host",
            .tooManyBackends,
            mentions: "9 backend instances",
            host
                + project(
                    "  mode: softmap\n  placement:\n    «hosts: [edge-1]\n    torInstances: 9\n  sites: [{onion: \(a), upstream: example.org}]",
                    name: "shop")
                + "\n---\napiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: f}\nspec: {project: shop, hosts: [edge-1]}\n"
        ),
        .marked(
            "introduction points below 3",
            .valueOutOfRange,
            mentions: "3...20",
            host + project(hardmapSpec + "\n  tor: {introductionPoints: «2}")
        ),
        .marked(
            "introduction points above 20",
            .valueOutOfRange,
            mentions: "3...20",
            host + project(hardmapSpec + "\n  tor: {introductionPoints: «21}")
        ),
        .marked(
            "ssh port out of range",
            .valueOutOfRange,
            mentions: "1...65535",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  ssh: {address: 127.0.0.2, port: «70000}\n"
        ),
        .marked(
            "an over-long unix socket path",
            .socketPathTooLong,
            mentions: "107 bytes",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: /tmp/\(String(repeating: "deep/", count: 14))}}\n---\n"
                + project(
                    "  mode: hardmap\n  placement: {hosts: [«edge-1]}\n  sites: [{onion: \(a), upstream: example.org}]")
        ),
        .marked(
            "a header OnionOps must set itself",
            .invalidOption,
            mentions: "cannot be overridden",
            host + project(hardmapSpec + "\n  nginx:\n    upstreamHeaders: [{name: «Host, value: evil.example}]")
        ),
    ]

    // MARK: Injection

    /// One case per character, each in a different field.
    static let injection: [BadManifest] = [
        .marked(
            "injection: ';' in upstream",
            .configInjection,
            mentions: "';'",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: «\"example.org; proxy_pass http://evil\"}]"
                )
        ),
        .marked(
            "injection: '{' in a subdomain",
            .configInjection,
            mentions: "'{'",
            host + project(hardmapSpec + "\n      subdomains: [«\"www{\"]")
        ),
        .marked(
            "injection: '}' in a block path",
            .configInjection,
            mentions: "'}'",
            host + project(hardmapSpec + "\n  nginx: {block: {paths: [«\"/a}\"]}}")
        ),
        .marked(
            "injection: '\"' in a header value",
            .configInjection,
            mentions: "'\"'",
            host + project(hardmapSpec + "\n  nginx: {upstreamHeaders: [{name: X-A, value: «'a\"b'}]}")
        ),
        .marked(
            "injection: a newline in a user agent (written inside quotes, where only line breaks could escape)",
            .configInjection,
            mentions: "a newline",
            host + project(hardmapSpec + "\n  nginx: {block: {userAgents: [«\"bad\\nbot\"]}}")
        ),
        .marked(
            "a block pattern that is not a regex",
            .invalidValue,
            mentions: "regular expression",
            host + project(hardmapSpec + "\n  nginx: {block: {pathPatterns: [«'(unclosed']}}")
        ),
        .marked(
            "busy buffers larger than all buffers but one (nginx would not start)",
            .invalidValue,
            mentions: "count - 1 buffers",
            host + project(hardmapSpec + "\n  nginx: {buffers: {size: 8k, count: 2, busySize: «16k}}")
        ),
        .marked(
            "denyStatus out of range",
            .valueOutOfRange,
            mentions: "400...599",
            host + project(hardmapSpec + "\n  nginx: {denyStatus: «302}")
        ),
        .marked(
            "a '$' in a block message (nginx's return would expand it)",
            .invalidValue,
            mentions: "without '$'",
            host + project(hardmapSpec + "\n  nginx: {blockMessage: «\"costs $5\"}")
        ),
        .marked(
            "injection: '#' in a cache size",
            .configInjection,
            mentions: "'#'",
            host + project(hardmapSpec + "\n  nginx: {cache: {enabled: true, maxSize: «\"1m#\"}}")
        ),
        .marked(
            "injection: newline in a header value",
            .configInjection,
            mentions: "newline",
            host + project(hardmapSpec + "\n  nginx: {upstreamHeaders: [{name: X-A, value: «\"a\\nproxy_pass x\"}]}")
        ),
        .marked(
            "injection: NUL in upstream",
            .configInjection,
            mentions: "NUL",
            host
                + project(
                    "  mode: hardmap\n  placement: {hosts: [edge-1]}\n  sites: [{onion: \(a), upstream: «\"example.org\\0\"}]"
                )
        ),
        .marked(
            "injection: backslash in a local root",
            .configInjection,
            mentions: "'\\'",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: «'/tmp/a\\b'}}\n"
        ),
        .marked(
            "injection: quote in an ssh user",
            .configInjection,
            mentions: "'''",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  ssh: {address: 127.0.0.2, user: «\"op's\"}\n"
        ),
        .marked(
            "injection: ';' in a tor binary path",
            .configInjection,
            mentions: "';'",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  local: {root: /tmp/oo/e1}\n  tor: {binary: «\"/usr/sbin/tor;rm\"}\n"
        ),
    ]

    // MARK: Path traversal

    static let traversal: [BadManifest] = [
        .marked(
            "path traversal: a host named ../etc",
            .invalidName,
            mentions: "lowercase letters",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: «../etc}\nspec: {local: {root: /tmp/oo/e1}}\n"
        ),
        .marked(
            "path traversal: a project named a/b",
            .invalidName,
            mentions: "lowercase letters",
            host + "apiVersion: onionops/v1\nkind: Project\nmetadata: {name: «a/b}\nspec:\n" + hardmapSpec + "\n"
        ),
        .marked(
            "path traversal: a balancer named ..",
            .invalidName,
            mentions: "lowercase letters",
            "apiVersion: onionops/v1\nkind: Balancer\nmetadata: {name: «..}\nspec: {project: shop, hosts: [edge-1]}\n"
        ),
        .marked(
            "path traversal: a root through ..",
            .invalidPath,
            mentions: "'..'",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: «/tmp/../etc}}\n"
        ),
        .marked(
            "path traversal: a relative identity file",
            .invalidPath,
            mentions: "absolute path",
            "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n  ssh: {address: 127.0.0.2, identityFile: «../../id}\n"
        ),
    ]

    // MARK: Hostile documents

    static var hostile: [BadManifest] {
        var billion = [
            "apiVersion: onionops/v1", "kind: Host", "metadata: {name: edge-1}", "spec:",
            "  l0: &l0 [x, x, x, x, x, x, x, x, x]",
        ]
        for level in 1...9 {
            let refs = Array(repeating: "*l\(level - 1)", count: 9).joined(separator: ", ")
            billion.append("  l\(level): &l\(level) [\(refs)]")
        }
        let deep = "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: "
        return [
            BadManifest(
                name: "hostile: billion laughs",
                files: ["m.yaml": .text(billion.joined(separator: "\n") + "\n")],
                code: .aliasExpansionTooLarge,
                mentions: "billion laughs",
                file: "m.yaml",
                line: 11,  // the first alias of level 6: 9^7 nodes pass one million
                column: 12
            ),
            .marked(
                "hostile: an alias as a mapping key",
                .aliasAsKey,
                mentions: "alias may not be used as a mapping key",
                "apiVersion: onionops/v1\nkind: &k Host\nmetadata: {name: edge-1}\nspec:\n  ? «*k\n  : x\n"
            ),
            BadManifest(
                name: "hostile: 10,000-deep nesting",
                files: [
                    "m.yaml": .text(
                        deep + String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000) + "\n")
                ],
                code: .nestingTooDeep,
                mentions: "nesting is deeper",
                file: "m.yaml",
                line: 4,
                column: 8  // the second bracket: libyaml's own limit trips on look-ahead
            ),
            BadManifest(
                name: "hostile: a 50 MB file",
                files: [
                    "big.yaml": .generated {
                        var data = Data("apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec:\n".utf8)
                        let line = Data("  # padding padding padding padding padding padding padding padding\n".utf8)
                        while data.count < 50 << 20 { data.append(line) }
                        return data
                    }
                ],
                code: .fileTooLarge,
                mentions: "at most",
                file: "big.yaml",
                line: 1,
                column: 1
            ),
            BadManifest(
                name: "a tor secret key left in the clear",
                files: [
                    "m.yaml": .text(host + project(hardmapSpec)),
                    "hs_ed25519_secret_key": .generated {
                        Data("== ed25519v1-secret: type0 ==".utf8) + Data(repeating: 0, count: 3)
                            + Data(repeating: 7, count: 64)
                    },
                ],
                code: .plaintextKey,
                mentions: "in the clear",
                file: "hs_ed25519_secret_key",
                line: 1,
                column: 1
            ),
            .marked(
                "a PEM private key pasted into a manifest",
                .plaintextKey,
                mentions: "PEM private key",
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: {local: {root: /tmp/oo/e1}}\n«# -----BEGIN PRIVATE KEY-----\n# MC4CAQAwBQYDK2VwBCIEIA==\n# -----END PRIVATE KEY-----\n"
            ),
            .marked(
                "hostile: undefined alias",
                .undefinedAlias,
                mentions: "anchor 'nope'",
                "apiVersion: onionops/v1\nkind: Host\nmetadata: {name: edge-1}\nspec: «*nope\n"
            ),
        ]
    }
}
