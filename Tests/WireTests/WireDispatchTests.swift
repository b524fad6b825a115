import Foundation
import Testing
@testable import Wire

/// The application decoders are reached by port (DNS, DHCP) or by content (HTTP), and nothing is left untiled.
@Suite("Application dispatch")
struct WireDispatchTests {
    func frame(_ file: String, _ number: Int) throws -> (DecodedFrame, Int) {
        let packets = try #require(TestPcap.read(corpus: file))
        let packet = try #require(packets.first { $0.number == number })
        let frame = FrameDecoder.decode(packet.bytes, linkType: packet.linkType, recordFields: true)
        #expect(Tiling.problem(frame.fields, count: packet.bytes.count) == nil)
        return (frame, packet.bytes.count)
    }

    @Test func dnsOverUDP() throws {
        let (frame, _) = try frame("tcpdump/dns_udp.pcap", 1)
        #expect(frame.dns?.id == 22836 && frame.dns?.questions.first?.name.hasPrefix("www.tcpdump.org") == true)
    }

    @Test func dnsOverTCPWithLengthPrefix() throws {
        let (frame, _) = try frame("tcpdump/dns_tcp.pcap", 4)
        #expect(frame.dns?.id == 17177)
        #expect(flatten(frame.fields).contains { $0.name == "dns.length" })
    }

    @Test func dhcp() throws {
        let (frame, _) = try frame("chrissanders-packets/dhcp_nolease_initialization.pcapng", 1)
        #expect(frame.dhcp?.messageType == 1)
        #expect(frame.udp?.destinationPort == 67)
    }

    @Test func httpByContent() throws {
        let (frame, _) = try frame("tcpdump/print-flags.pcap", 4)
        #expect(frame.http?.method == "GET" && frame.http?.isRequest == true)
    }

    /// The fast path only notes an HTTP head; read when asked for (`httpHead(in:)`), it is the head the decoder
    /// reads with field records, on every frame of every capture, and noted exactly when there is one.
    @Test func notedHeadsReadLaterAreTheDecodedOnes() throws {
        var heads = 0
        for url in TestPcap.allCaptureFiles() {
            for packet in TestPcap.read(url) ?? [] {
                let fast = FrameDecoder.decode(packet.bytes, linkType: packet.linkType)
                let recorded = FrameDecoder.decode(packet.bytes, linkType: packet.linkType, recordFields: true)
                #expect(fast.http == nil, "\(url.lastPathComponent) frame \(packet.number)")
                #expect(fast.hasHTTP == (recorded.http != nil), "\(url.lastPathComponent) frame \(packet.number)")
                let later = fast.httpHead(in: packet.bytes)
                #expect(later == recorded.http, "\(url.lastPathComponent) frame \(packet.number)")
                #expect(later?.headers == recorded.http?.headers)
                if later != nil { heads += 1 }
            }
        }
        #expect(heads > 100)
    }

    @Test func plainDataStaysData() throws {
        let (frame, _) = try frame("ndpi/tuya_lp.pcap", 1)
        #expect(frame.http == nil && frame.dns == nil)
        #expect(frame.payloadLength > 0)
        #expect(frame.ttl == 255)
    }
}
