import Foundation
import Testing

/// Capturing without root: capabilities on the binary, a plain refusal without them, and --user.
@Suite("live capture privileges", .serialized, .enabled(if: CLI.liveSkipReason == nil && CLI.which("setpriv") != nil,
                                                        "needs root, ip netns and setpriv"))
struct PrivilegeTests {
    /// A copy of the binary in a directory everyone can read, so `nobody` can run it.
    func publicCopy() throws -> String {
        let directory = "/tmp/socketscope-priv-\(getpid())-\(Int.random(in: 0...99999))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o755])
        let copy = directory + "/socketscope"
        try FileManager.default.copyItem(atPath: CLI.binary, toPath: copy)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: copy)
        return copy
    }

    func runAsNobody(_ pair: NamespacePair, _ arguments: [String]) throws -> CLI.Result {
        try CLI.run(CLI.which("ip") ?? "/usr/sbin/ip",
                    ["netns", "exec", pair.left, "setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups",
                     "--inh-caps=-all"] + arguments)
    }

    @Test("without the right to capture, the error says so and how to fix it")
    func refusedWithoutCapabilities() throws {
        let binary = try publicCopy()
        let pair = try NamespacePair()
        let result = try runAsNobody(pair, [binary, "live", "-i", pair.leftInterface, "-c", "1"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("permission denied") || result.stderr.contains("Operation not permitted"),
                "\(result.stderr)")
        #expect(result.stderr.contains("setcap") && result.stderr.contains("sudo"))
    }

    @Test("with cap_net_raw,cap_net_admin on the binary, a non-root user can capture")
    func capabilitiesAlone() throws {
        guard let setcap = CLI.which("setcap") else { return }
        let binary = try publicCopy()
        let granted = try CLI.run(setcap, ["cap_net_raw,cap_net_admin=eip", binary])
        try #require(granted.status == 0, "setcap: \(granted.stderr)")
        let pair = try NamespacePair()
        let (status, printed, stderr) = try pair.runWhileSending(
            ["setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", binary, "live", "-i", pair.leftInterface,
             "-c", "3", "--duration", "20", "-f", "udp port 9999", "--format", "json"], datagrams: 4)
        #expect(status == 0, "\(stderr)")
        #expect(printed.split(separator: "\n").count == 3)
    }

    @Test("--user drops root after opening the device; the -w file belongs to that user")
    func dropToUser() throws {
        let pair = try NamespacePair()
        let directory = "/tmp/socketscope-user-\(getpid())-\(Int.random(in: 0...99999))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o777])
        let file = directory + "/as-nobody.pcap"
        let (status, _, stderr) = try pair.runWhileSending(
            [CLI.binary, "live", "-i", pair.leftInterface, "--user", "nobody", "-w", file, "-c", "2", "--duration", "20",
             "-f", "udp port 9999"], datagrams: 3)
        #expect(status == 0, "\(stderr)")
        let owner = try FileManager.default.attributesOfItem(atPath: file)[.ownerAccountID] as? NSNumber
        #expect(owner?.intValue == 65534)
        let bad = try CLI.socketscope("live", "-i", "lo", "--user", "no-such-user-xyz", "-c", "1")
        #expect(bad.status == 2 && bad.stderr.contains("no-such-user-xyz"))
    }
}
