/// Manifest fixtures shared by the test targets.
public enum Fixtures {
    /// Every string field of the manifest schema that reaches a config
    /// file, as a slot, in one valid file: two hosts (ssh and local), a
    /// hardmap project, a softmap project and its balancer.
    public static let everyStringField = FixtureTemplate(
        text: """
            apiVersion: onionops/v1
            kind: Host
            metadata:
              name: {{host.name}}
            spec:
              ssh:
                address: {{ssh.address}}
                user: {{ssh.user}}
                identityFile: {{ssh.identityFile}}
                knownHostsFile: {{ssh.knownHostsFile}}
                root: {{ssh.root}}
              tor: {binary: {{tor.binary}}, user: {{tor.user}}}
              nginx: {binary: {{nginx.binary}}, user: {{nginx.user}}}
              onionbalance: {binary: {{onionbalance.binary}}, user: {{onionbalance.user}}}
            ---
            apiVersion: onionops/v1
            kind: Host
            metadata: {name: edge-2}
            spec:
              local:
                root: {{local.root}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata:
              name: {{project.name}}
            spec:
              mode: hardmap
              placement:
                hosts: [{{placement.host}}, edge-2]
              sites:
                - onion: {{site.onion}}
                  upstream: {{site.upstream}}
                  subdomains: [{{site.subdomain}}]
                  upstreamAddress: {{site.upstreamAddress}}
              nginx:
                block:
                  paths: [{{block.path}}]
                  hosts: [{{block.host}}]
                  userAgents: [{{block.userAgent}}]
                cache:
                  enabled: true
                  maxSize: {{cache.maxSize}}
                  validFor: {{cache.validFor}}
                  skipContentTypes: [{{cache.skipContentType}}]
                  skipHosts: [{{cache.skipHost}}]
                deny:
                  hostPatterns: [{{deny.hostPattern}}]
                  referers: [{{deny.referer}}]
                  paramPatterns:
                    - {name: {{deny.paramName}}, pattern: {{deny.paramPattern}}}
                allowOnly:
                  origins: [{{allow.origin}}]
                  params:
                    - {name: q, value: {{allow.paramValue}}}
                blockMessage: {{access.blockMessage}}
                cookieLock: {{access.cookieLock}}
                redirects:
                  - {path: {{redirect.path}}, to: {{redirect.to}}}
                fixedResponses:
                  - {path: {{fixed.path}}, body: {{fixed.body}}, contentType: {{fixed.contentType}}}
                workers: {processes: {{workers.processes}}}
                buffers: {size: {{buffers.size}}, busySize: 16k}
                logs: {errorLevel: {{logs.errorLevel}}}
                tls:
                  subject:
                    organization: {{tls.organization}}
                    organizationalUnit: {{tls.organizationalUnit}}
                    country: {{tls.country}}
                    locality: {{tls.locality}}
                    state: {{tls.state}}
                upstreamHeaders:
                  - name: {{header.name}}
                    value: {{header.value}}
                foreignSites:
                  - {onion: {{foreign.onion}}, upstream: {{foreign.upstream}}}
                rewrite:
                  preserve: [{{rewrite.preserve}}]
                  types: [text/html, {{rewrite.type}}]
                requests:
                  injectOrigin: {{requests.injectOrigin}}
                  injectReferer: {{requests.injectReferer}}
                  maxBodySize: {{requests.maxBodySize}}
                upstream:
                  resolver: [{{upstream.resolver}}]
                  resolverValid: {{upstream.resolverValid}}
                  resolverTimeout: {{upstream.resolverTimeout}}
                  connectTimeout: {{upstream.connectTimeout}}
                  readTimeout: {{upstream.readTimeout}}
                  sendTimeout: {{upstream.sendTimeout}}
                  caFile: {{upstream.caFile}}
                  caDirectory: {{upstream.caDirectory}}
            ---
            apiVersion: onionops/v1
            kind: Project
            metadata: {name: shop}
            spec:
              mode: softmap
              placement: {hosts: [edge-1, edge-2], torInstances: 2}
              sites:
                - onion: \(TestOnions.b)
                  upstream: example.net
            ---
            apiVersion: onionops/v1
            kind: Balancer
            metadata:
              name: {{balancer.name}}
            spec:
              project: {{balancer.project}}
              hosts: [{{balancer.host}}]

            """,
        values: [
            "host.name": "edge-1",
            "ssh.address": "127.0.0.2",
            "ssh.user": "onionops",
            "ssh.identityFile": "/root/.ssh/id_ed25519",
            "ssh.knownHostsFile": "/etc/onionops/known_hosts",
            "ssh.root": "/srv/h1",
            "tor.binary": "/usr/sbin/tor",
            "tor.user": "debian-tor",
            "nginx.binary": "/usr/sbin/nginx",
            "nginx.user": "www-data",
            "onionbalance.binary": "/usr/sbin/onionbalance",
            "onionbalance.user": "onionbalance",
            "local.root": "/tmp/oo/edge-2",
            "project.name": "news",
            "placement.host": "edge-1",
            "site.onion": TestOnions.a,
            "site.upstream": "example.org",
            "site.subdomain": "www",
            "site.upstreamAddress": "127.0.0.1:8443",
            "block.path": "/wp-admin",
            "block.host": "admin",
            "block.userAgent": "BadBot 1.0",
            "cache.maxSize": "256m",
            "cache.validFor": "10m",
            "cache.skipContentType": "video/mp4",
            "cache.skipHost": "static",
            "deny.hostPattern": "^old[0-9]+\\.",
            "deny.referer": "https://spam.example/page",
            "deny.paramName": "debug_mode",
            "deny.paramPattern": "^(on|true)$",
            "allow.origin": "https://partner.example",
            "allow.paramValue": "allowed-value",
            "access.blockMessage": "Not over the onion, sorry.",
            "access.cookieLock": "/unlock-4f2a9c",
            "redirect.path": "^/old-section/",
            "redirect.to": "https://example.org/new",
            "fixed.path": "/robots.txt",
            "fixed.body": "User-agent: *",
            "fixed.contentType": "text/plain",
            "workers.processes": "auto",
            "buffers.size": "8k",
            "logs.errorLevel": "warn",
            "tls.organization": "Example News",
            "tls.organizationalUnit": "Onion Services",
            "tls.country": "NO",
            "tls.locality": "Oslo",
            "tls.state": "Viken",
            "header.name": "X-From-Onion",
            "header.value": "1",
            "foreign.onion": TestOnions.c,
            "foreign.upstream": "example.com",
            "rewrite.preserve": "user@example.org",
            "rewrite.type": "application/json",
            "requests.injectOrigin": "https://example.org",
            "requests.injectReferer": "https://www.example.org/start",
            "requests.maxBodySize": "4m",
            "upstream.resolver": "127.0.0.1:5353",
            "upstream.resolverValid": "60s",
            "upstream.resolverTimeout": "15s",
            "upstream.connectTimeout": "15s",
            "upstream.readTimeout": "60s",
            "upstream.sendTimeout": "60s",
            "upstream.caFile": "/etc/ssl/certs/ca-certificates.crt",
            "upstream.caDirectory": "/etc/ssl/certs",
            "balancer.name": "shop-front",
            "balancer.project": "shop",
            "balancer.host": "edge-1",
        ]
    )
}
