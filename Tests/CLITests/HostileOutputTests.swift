import Foundation
import Testing

/// Builds small Ethernet/IPv4 captures by hand for adversarial output tests.
enum HostileCapture {
    static func ipv4Checksum(_ header: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        for index in stride(from: 0, to: header.count, by: 2) {
            sum += UInt32(header[index]) << 8 | UInt32(index + 1 < header.count ? header[index + 1] : 0)
        }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }
    static func be32(_ value: UInt32) -> [UInt8] { [UInt8(value >> 24), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)] }

    /// An Ethernet + IPv4 frame around a transport header and payload, between the board (192.168.4.2) and its
    /// peer (192.168.4.1).
    static func frame(from: Bool, proto: UInt8, transport: [UInt8]) -> [UInt8] {
        let board: [UInt8] = [192, 168, 4, 2], peer: [UInt8] = [192, 168, 4, 1]
        return ipv4Frame(from: from ? board : peer, to: from ? peer : board, boardSends: from, proto: proto, ttl: 255,
                         dontFragment: false, transport: transport)
    }

    /// An Ethernet + IPv4 frame with a correct header checksum; the board's MAC is an Espressif one.
    static func ipv4Frame(from source: [UInt8], to destination: [UInt8], boardSends: Bool, proto: UInt8, ttl: UInt8,
                          dontFragment: Bool, transport: [UInt8]) -> [UInt8] {
        let boardMAC: [UInt8] = [0x5c, 0xcf, 0x7f, 0x01, 0x02, 0x03], peerMAC: [UInt8] = [0x02, 0, 0, 0, 0, 1]
        var ip: [UInt8] = [0x45, 0] + be16(20 + transport.count) + [0, 1, dontFragment ? 0x40 : 0, 0, ttl, proto, 0, 0]
        ip += source + destination
        let checksum = ipv4Checksum(ip)
        ip[10] = UInt8(checksum >> 8)
        ip[11] = UInt8(checksum & 0xff)
        return (boardSends ? peerMAC + boardMAC : boardMAC + peerMAC) + [0x08, 0x00] + ip + transport
    }

    static func tcp(from: Bool, seq: UInt32, ack: UInt32, flags: UInt8, payload: [UInt8] = []) -> [UInt8] {
        let ports = from ? be16(4321) + be16(80) : be16(80) + be16(4321)
        let header = ports + be32(seq) + be32(ack) + [0x50, flags] + be16(2144) + [0, 0, 0, 0]
        return frame(from: from, proto: 6, transport: header + payload)
    }

    /// A connection whose request and response carry terminal-hijacking bytes, plus a DNS answer with them.
    static func write(to path: String) throws {
        let evil: [UInt8] = Array("X-Evil: ".utf8) + [0x1b] + Array("[2J".utf8) + [0x1b] + Array("]0;pwned".utf8) + [0x07]
            + [0xe2, 0x80, 0xae] + Array("txt.exe".utf8) + [0xc2, 0x9b, 0x7f, 0xff, 0xfe, 0x08, 0x0d] + Array("\r\n".utf8)
        let request = Array("GET /\u{1b}[31mred HTTP/1.1\r\nHost: a\r\n".utf8) + evil + Array("\r\n".utf8)
        let response = Array("HTTP/1.1 200 \u{1b}[5mOK\r\nContent-Length: 6\r\nConnection: close\r\n\r\n".utf8)
            + [0x1b, 0x5b, 0x48, 0x9b, 0x00, 0x0a]
        var frames: [[UInt8]] = [
            tcp(from: true, seq: 6509, ack: 0, flags: 0x02),
            tcp(from: false, seq: 1000, ack: 6510, flags: 0x12),
            tcp(from: true, seq: 6510, ack: 1001, flags: 0x10),
            tcp(from: true, seq: 6510, ack: 1001, flags: 0x18, payload: request),
            tcp(from: false, seq: 1001, ack: 6510 + UInt32(request.count), flags: 0x19, payload: response),
            tcp(from: true, seq: 6510 + UInt32(request.count), ack: 1002 + UInt32(response.count), flags: 0x11),
        ]
        // DNS response whose answer name has an ESC and a bidi override in a label.
        let label: [UInt8] = [0x1b] + Array("[2Jx".utf8) + [0xe2, 0x80, 0xae]
        let name: [UInt8] = [UInt8(label.count)] + label + [3] + Array("lab".utf8) + [0]
        let dns: [UInt8] = be16(7) + [0x81, 0x80] + be16(1) + be16(1) + be16(0) + be16(0)
            + name + be16(1) + be16(1) + [0xc0, 12] + be16(1) + be16(1) + be32(60) + be16(4) + [192, 168, 4, 1]
        frames.append(frame(from: false, proto: 17, transport: be16(53) + be16(4096) + be16(8 + dns.count) + [0, 0] + dns))
        try PcapFile.write(frames, to: path)
    }
}

/// A packet must never take over the user's terminal: only SocketScope's own colour codes may reach it.
@Suite("hostile payloads in output")
struct HostileOutputTests {
    static let path = CLI.builtCapture("hostile.pcap", HostileCapture.write(to:))

    static let commands: [[String]] = [
        ["read", "PATH"], ["read", "PATH", "--explain"], ["sessions", "PATH"], ["follow", "PATH", "--session", "1"],
        ["follow", "PATH", "--session", "1", "--format", "hex"], ["explain", "PATH", "--frame", "4"],
        ["explain", "PATH", "--frame", "5"], ["explain", "PATH", "--frame", "7"], ["ladder", "PATH"],
    ]

    /// Every ESC starts one of our SGR colour codes; no other control byte, C1 control, bidi override or invalid
    /// UTF-8 appears. LF and (from the pty) CR are allowed.
    static func violations(_ output: [UInt8]) -> [String] {
        var problems: [String] = []
        var index = 0
        while index < output.count {
            let byte = output[index]
            if byte == 0x1b {
                var end = index + 1
                guard end < output.count, output[end] == UInt8(ascii: "[") else {
                    problems.append("ESC not starting a colour code at \(index)"); index += 1; continue
                }
                end += 1
                while end < output.count, (output[end] >= 0x30 && output[end] <= 0x39) || output[end] == 0x3b { end += 1 }
                if end >= output.count || output[end] != UInt8(ascii: "m") { problems.append("non-SGR escape at \(index)") }
                index = end + 1
                continue
            }
            if byte < 0x20 && byte != 0x0a && byte != 0x0d || byte == 0x7f { problems.append("control 0x\(String(byte, radix: 16)) at \(index)") }
            index += 1
        }
        guard let text = String(validating: output, as: UTF8.self) else { return problems + ["invalid UTF-8"] }
        for scalar in text.unicodeScalars {
            if (0x80..<0xa0).contains(scalar.value) { problems.append("C1 control U+\(String(scalar.value, radix: 16))") }
            if [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069].contains(scalar.value) {
                problems.append("bidi override U+\(String(scalar.value, radix: 16))")
            }
        }
        return problems
    }

    @Test("text output to a pipe has no escape sequence at all", arguments: commands)
    func pipe(command: [String]) throws {
        let result = try CLI.run(CLI.binary, command.map { $0 == "PATH" ? Self.path : $0 })
        #expect(result.status == 0, "\(result.stderr)")
        let bytes = [UInt8](result.stdout)
        #expect(!bytes.contains(0x1b))
        #expect(Self.violations(bytes).isEmpty, "\(Self.violations(bytes).prefix(5))")
        #expect(Self.violations([UInt8](result.stderr.utf8)).isEmpty)
    }

    @Test("on a terminal, only SocketScope's own colour codes get through; NO_COLOR removes them too",
          .enabled(if: CLI.which("script") != nil, "needs script(1) for a pseudo-terminal"), arguments: commands)
    func terminal(command: [String]) throws {
        let line = ([CLI.binary] + command.map { $0 == "PATH" ? Self.path : $0 }).map { "'\($0)'" }.joined(separator: " ")
        let coloured = try CLI.run("/usr/bin/env", ["-u", "NO_COLOR", "TERM=xterm", CLI.which("script")!, "-qec", line, "/dev/null"])
        let bytes = [UInt8](coloured.stdout)
        #expect(Self.violations(bytes).isEmpty, "\(Self.violations(bytes).prefix(5))")
        if command.first != "ladder" { #expect(bytes.contains(0x1b), "colour is on for a terminal") }
        let plain = try CLI.run("/usr/bin/env", ["NO_COLOR=1", "TERM=xterm", CLI.which("script")!, "-qec", line, "/dev/null"])
        #expect(![UInt8](plain.stdout).contains(0x1b), "NO_COLOR turns colour off")
    }

    @Test("JSON output stays valid whatever the bytes", arguments: [["read", "PATH", "--format", "json"],
                                                                     ["sessions", "PATH", "--format", "json"],
                                                                     ["explain", "PATH", "--frame", "4", "--format", "json"]])
    func json(command: [String]) throws {
        let result = try CLI.run(CLI.binary, command.map { $0 == "PATH" ? Self.path : $0 })
        #expect(result.status == 0)
        for line in result.lines {
            #expect((try? JSONSerialization.jsonObject(with: Data(line.utf8))) != nil, "\(line.prefix(200))")
        }
    }

    @Test("follow --format raw refuses a terminal unless forced", .enabled(if: CLI.which("script") != nil))
    func rawRefusesTerminal() throws {
        let line = "'\(CLI.binary)' follow '\(Self.path)' --session 1 --format raw --direction server"
        let refused = try CLI.run(CLI.which("script")!, ["-qec", line, "/dev/null"])
        #expect(String(decoding: refused.stdout, as: UTF8.self).contains("refusing to write raw bytes to a terminal"))
        let piped = try CLI.socketscope("follow", Self.path, "--session", "1", "--format", "raw", "--direction", "server")
        #expect(piped.status == 0 && [UInt8](piped.stdout).contains(0x1b), "raw bytes go to a pipe as they are")
    }
}
