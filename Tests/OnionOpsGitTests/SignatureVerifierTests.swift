import Foundation
import OnionOpsGit
import OnionOpsTestSupport
import Testing

@Suite(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/ssh-keygen")))
struct SignatureVerifierTests {
    /// An ed25519 key pair; the private key's path and the public line.
    func makeKey(_ name: String, in fixture: GitFixture) throws -> (path: String, publicKey: String) {
        let path = fixture.folder.path + "/" + name
        let made = try Command.run("/usr/bin/ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path])
        #expect(made.succeeded, "\(made.output)")
        let line = try String(contentsOfFile: path + ".pub", encoding: .utf8)
        return (path, line.split(separator: " ").prefix(2).joined(separator: " "))
    }

    func signing(_ key: String) -> [String] {
        ["-c", "gpg.format=ssh", "-c", "user.signingkey=\(key)"]
    }

    @Test("an SSH-signed commit verifies to its principal; unsigned and stranger-signed commits do not")
    func signedUnsignedAndStranger() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        let signer = try makeKey("signer", in: fixture)
        let stranger = try makeKey("stranger", in: fixture)
        let allowed = fixture.folder.path + "/allowed_signers"
        try "signer@example.org namespaces=\"git\" \(signer.publicKey)\n".write(
            toFile: allowed, atomically: true, encoding: .utf8)
        try fixture.addManifests()
        let signed = try fixture.commit("signed", options: signing(signer.path), sign: true, push: false)
        let unsigned = try fixture.commit("unsigned", push: false)
        let strangers = try fixture.commit("by a stranger", options: signing(stranger.path), sign: true)
        let repository = try GitRepository.sync(url: fixture.origin, cacheDirectory: fixture.cache)
        let verifier = SignatureVerifier(allowedSigners: allowed)

        let extracted = try #require(try repository.signature(of: signed))
        #expect(extracted.signature.hasPrefix("-----BEGIN SSH SIGNATURE-----"))
        #expect(String(decoding: extracted.payload, as: UTF8.self).hasPrefix("tree "))
        #expect(!String(decoding: extracted.payload, as: UTF8.self).contains("gpgsig"))
        let start = ContinuousClock.now
        #expect(try verifier.verify(signature: extracted.signature, payload: extracted.payload) == "signer@example.org")
        print("ssh-keygen find-principals + verify: \(milliseconds(since: start))")
        #expect(try verifier.verify(commit: signed, in: repository) == "signer@example.org")
        // git itself agrees.
        let gitSays = try fixture.git(["-c", "gpg.ssh.allowedSignersFile=\(allowed)", "verify-commit", signed])
        #expect(gitSays.contains("Good \"git\" signature for signer@example.org"))

        #expect(try repository.signature(of: unsigned) == nil)
        let notSigned = #expect(throws: GitError.self) { try verifier.verify(commit: unsigned, in: repository) }
        #expect(notSigned?.code == .unsigned)
        #expect(notSigned?.message.contains(String(unsigned.prefix(12))) == true)

        let byStranger = #expect(throws: GitError.self) { try verifier.verify(commit: strangers, in: repository) }
        #expect(byStranger?.code == .untrusted)
        #expect(byStranger?.message.contains("not in \(allowed)") == true)

        // The right key over other bytes: find-principals passes, verify does not.
        let tampered = #expect(throws: GitError.self) {
            try verifier.verify(signature: extracted.signature, payload: extracted.payload + Array("x".utf8))
        }
        #expect(tampered?.code == .untrusted)
        #expect(tampered?.message.contains("signer@example.org") == true)
    }

    @Test("GPG signatures, a wrong namespace and a missing allowed_signers file are refused")
    func refusals() throws {
        let fixture = try GitFixture()
        defer { fixture.remove() }
        let signer = try makeKey("signer", in: fixture)
        let allowed = fixture.folder.path + "/allowed_signers"
        try "signer@example.org namespaces=\"git\" \(signer.publicKey)\n".write(
            toFile: allowed, atomically: true, encoding: .utf8)
        let verifier = SignatureVerifier(allowedSigners: allowed)

        let gpg = "-----BEGIN PGP SIGNATURE-----\n\niQEzBAABCAAdFiEE\n-----END PGP SIGNATURE-----\n"
        let refused = #expect(throws: GitError.self) { try verifier.verify(signature: gpg, payload: [1, 2, 3]) }
        #expect(refused?.code == .untrusted)
        #expect(refused?.message.contains("GPG signature") == true)

        // Signed in the "file" namespace: the key is allowed, but only for git.
        let payload = try fixture.folder.write("payload", "tree 0\n")
        let made = try Command.run("/usr/bin/ssh-keygen", ["-Y", "sign", "-f", signer.path, "-n", "file", payload])
        #expect(made.succeeded, "\(made.output)")
        let fileSignature = try String(contentsOfFile: payload + ".sig", encoding: .utf8)
        let namespace = #expect(throws: GitError.self) {
            try verifier.verify(signature: fileSignature, payload: Array("tree 0\n".utf8))
        }
        #expect(namespace?.code == .untrusted)

        let missing = SignatureVerifier(allowedSigners: fixture.folder.path + "/none")
        let noFile = #expect(throws: GitError.self) {
            try missing.verify(signature: fileSignature, payload: Array("tree 0\n".utf8))
        }
        #expect(noFile?.code == .io)
        #expect(noFile?.message.contains(fixture.folder.path + "/none") == true)
    }
}
