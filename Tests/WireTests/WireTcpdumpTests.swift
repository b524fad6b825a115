import Foundation
import Testing
@testable import Wire

/// Addresses, ports, flags, sequence numbers and lengths checked against tcpdump's expected output files.
@Suite("Wire agrees with tcpdump's .out files")
struct WireTcpdumpTests {
    struct Line { var number: Int; var source: String; var sourcePort: Int; var destination: String; var destinationPort: Int; var rest: String }

    static func lines(_ out: String) throws -> [Line] {
        let text = try String(contentsOf: TestPcap.corpus.appendingPathComponent("tcpdump/\(out)"), encoding: .utf8)
        let pattern = try Regex(#"^\s*(\d+)\s.*?IP6? (\S+)\.(\d+) > (\S+)\.(\d+): (.*)$"#)
        var result: [Line] = []
        for raw in text.split(separator: "\n") where !raw.hasPrefix("\t") {
            guard let m = try pattern.firstMatch(in: String(raw)) else { continue }
            func s(_ i: Int) -> String { m.output[i].substring.map(String.init) ?? "" }
            result.append(Line(number: Int(s(1)) ?? 0, source: s(2), sourcePort: Int(s(3)) ?? -1,
                               destination: s(4), destinationPort: Int(s(5)) ?? -1, rest: s(6)))
        }
        return result
    }

    /// The value after `key ` in tcpdump's comma-separated list ("seq 1:203" → "1:203").
    static func value(_ key: String, in rest: String) -> String? {
        for part in rest.split(separator: ",") {
            let trimmed = part.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix(key + " ") { return String(trimmed.dropFirst(key.count + 1)).split(separator: " ").first.map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ":")) } }
        }
        return nil
    }

    static func tcpdumpFlags(_ flags: TCPFlags) -> String {
        var out = ""
        if flags.contains(.syn) { out += "S" }
        if flags.contains(.fin) { out += "F" }
        if flags.contains(.psh) { out += "P" }
        if flags.contains(.rst) { out += "R" }
        if flags.contains(.urg) { out += "U" }
        if flags.contains(.ece) { out += "E" }
        if flags.contains(.cwr) { out += "W" }
        if flags.contains(.ack) { out += "." }
        return out
    }

    @Test("TCP", arguments: [("print-flags.pcap", "print-x.out"), ("dns_tcp.pcap", "dns_tcp.out"),
                              ("tcp_rst_data.pcap", "tcp_rst_data.out"), ("tcp-handshake-nano.pcap", "tcp-handshake-nano.out")])
    func tcp(_ pcap: String, _ out: String) throws {
        let packets = try #require(TestPcap.read(corpus: "tcpdump/\(pcap)"))
        let expected = try Self.lines(out)
        #expect(!expected.isEmpty)
        // tcpdump's relative numbering: the first ACK-carrying packet of a connection fixes both bases.
        var bases: [String: UInt32] = [:]
        for line in expected {
            let packet = try #require(packets.first { $0.number == line.number })
            let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType)
            let tcp = try #require(frame.tcp, "frame \(line.number)")
            #expect(frame.sourceIP?.description == line.source)
            #expect(frame.destinationIP?.description == line.destination)
            #expect(Int(tcp.sourcePort) == line.sourcePort && Int(tcp.destinationPort) == line.destinationPort)
            if line.rest.hasPrefix("tcp ") {  // -q: "tcp LENGTH"
                #expect(line.rest == "tcp \(frame.payloadLength + frame.payloadMissing)")
                continue
            }
            let flags = line.rest.split(separator: "[").dropFirst().first?.split(separator: "]").first.map(String.init) ?? ""
            #expect(Self.tcpdumpFlags(tcp.flags) == flags, "frame \(line.number)")
            let forward = "\(line.source).\(line.sourcePort)>\(line.destination).\(line.destinationPort)"
            let backward = "\(line.destination).\(line.destinationPort)>\(line.source).\(line.sourcePort)"
            var seq = tcp.sequenceNumber, ack = tcp.acknowledgementNumber
            if tcp.flags.contains(.ack) {
                if let base = bases[forward], let other = bases[backward] {
                    seq = seq &- base  // relative numbers wrap like the sequence space (RFC 9293 §3.4)
                    ack = ack &- other
                } else {
                    bases[forward] = tcp.sequenceNumber
                    bases[backward] = tcp.acknowledgementNumber &- 1
                }
            }
            if let text = Self.value("seq", in: line.rest) {
                let parts = text.split(separator: ":")
                #expect(UInt32(parts[0]) == seq, "frame \(line.number) seq")
                if parts.count == 2, let a = UInt32(parts[0]), let b = UInt32(parts[1]) {
                    #expect(Int(b &- a) == frame.payloadLength + frame.payloadMissing)
                }
            }
            if let text = Self.value("ack", in: line.rest) { #expect(UInt32(text) == ack, "frame \(line.number) ack") }
            if let text = Self.value("win", in: line.rest) { #expect(UInt16(text) == tcp.window) }
            if let text = Self.value("length", in: line.rest) {
                #expect(Int(text) == frame.payloadLength + frame.payloadMissing, "frame \(line.number) length")
            }
        }
    }

    @Test("UDP/DNS", arguments: [("dns_udp.pcap", "dns_udp.out"), ("LINKTYPE_RAW_ipv6.pcap", "LINKTYPE_RAW_ipv6.out"),
                                  ("LINKTYPE_RAW_ipv4.pcap", "LINKTYPE_RAW_ipv4.out")])
    func udp(_ pcap: String, _ out: String) throws {
        let packets = try #require(TestPcap.read(corpus: "tcpdump/\(pcap)"))
        for line in try Self.lines(out) {
            let packet = try #require(packets.first { $0.number == line.number })
            let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType)
            let udp = try #require(frame.udp)
            #expect(frame.sourceIP?.description == line.source)
            #expect(frame.destinationIP?.description == line.destination)
            #expect(Int(udp.sourcePort) == line.sourcePort && Int(udp.destinationPort) == line.destinationPort)
            // DNS lines end with the UDP payload length in parentheses.
            if line.rest.hasSuffix(")"), let open = line.rest.lastIndex(of: "(") {
                let digits = line.rest[line.rest.index(after: open)..<line.rest.index(before: line.rest.endIndex)]
                #expect(Int(digits) == frame.payloadLength)
            }
            #expect(frame.transportChecksum == .good)
        }
    }
}
