import Foundation
import Testing

/// A board whose DNS session (id 1, port 4096 → 53) lives for the whole capture while thousands of one-datagram
/// UDP sessions end behind it: the shape that made `sessions` hold ever more in memory.
enum LongDNSCapture {
    /// Short sessions: more than `SessionPrinter.maxWaiting` (10,000) end while session 1 is still live.
    static let shortSessions = 12_000
    /// Seconds between two short sessions, and between two DNS lookups.
    static let shortSpacing = 0.05
    static let lookupSpacing = 2.0
    /// Every tenth lookup gets NXDOMAIN; the last one is never answered.
    static var lookups: Int { Int(Double(shortSessions) * shortSpacing / lookupSpacing) }

    static func udp(from: Bool, source: Int, destination: Int, payload: [UInt8]) -> [UInt8] {
        let header = HostileCapture.be16(source) + HostileCapture.be16(destination)
            + HostileCapture.be16(8 + payload.count) + [0, 0]
        return HostileCapture.frame(from: from, proto: 17, transport: header + payload)
    }

    static func dns(id: Int, response: Bool, rcode: UInt8 = 0) -> [UInt8] {
        let name: [UInt8] = [3] + Array("lab".utf8) + [7] + Array("example".utf8) + [0]
        let answers = response && rcode == 0 ? 1 : 0
        var message = HostileCapture.be16(id) + (response ? [0x81, 0x80 | rcode] : [0x01, 0x00])
            + HostileCapture.be16(1) + HostileCapture.be16(answers) + HostileCapture.be16(0) + HostileCapture.be16(0)
            + name + HostileCapture.be16(1) + HostileCapture.be16(1)
        if answers == 1 {
            message += [0xc0, 12] + HostileCapture.be16(1) + HostileCapture.be16(1) + HostileCapture.be32(60)
                + HostileCapture.be16(4) + [192, 168, 4, 1]
        }
        return message
    }

    static func write(to path: String) throws {
        var frames: [(time: Double, bytes: [UInt8])] = []
        for lookup in 0..<lookups {
            let time = Double(lookup) * lookupSpacing
            let id = lookup % 256  // lwIP's ids are small and come round again
            frames.append((time, udp(from: true, source: 4096, destination: 53, payload: dns(id: id, response: false))))
            if lookup == lookups - 1 { continue }
            let rcode: UInt8 = lookup % 10 == 9 ? 3 : 0
            frames.append((time + 0.005, udp(from: false, source: 53, destination: 4096,
                                              payload: dns(id: id, response: true, rcode: rcode))))
        }
        for index in 0..<shortSessions {
            let time = 0.001 + Double(index) * shortSpacing
            frames.append((time, udp(from: true, source: 10_000 + index, destination: 7, payload: [0x2a])))
        }
        frames.sort { $0.time < $1.time }
        var file: [UInt8] = [0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 1, 0, 0, 0]
        for frame in frames {
            let micros = Int(frame.time * 1_000_000)
            let fields = [UInt32(1_700_000_000 + micros / 1_000_000), UInt32(micros % 1_000_000),
                          UInt32(frame.bytes.count), UInt32(frame.bytes.count)]
            for value in fields { withUnsafeBytes(of: value.littleEndian) { file += $0 } }
            file += frame.bytes
        }
        try Data(file).write(to: URL(fileURLWithPath: path))
    }
}

/// `sessions` memory must not grow with the capture: a session keeps its first 128 DNS transactions and counts
/// the rest, and at most 10,000 ended sessions wait to be printed in id order.
@Suite("sessions: memory caps on a long capture")
struct SessionMemoryCapsTests {
    static let path = CLI.builtCapture("long-dns.pcap", LongDNSCapture.write(to:))

    static func objects() throws -> [[String: Any]] {
        let result = try CLI.socketscope("sessions", path, "--format", "json", "--threads", "1")
        #expect(result.status == 0)
        return result.lines.compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["id"] != nil }
    }

    @Test("the DNS session lists its first 128 transactions and counts the rest by outcome")
    func dnsCap() throws {
        let sessions = try Self.objects()
        let dns = try #require(sessions.first { $0["id"] as? Int == 1 })
        let lookups = LongDNSCapture.lookups
        #expect((dns["dns"] as? [Any])?.count == 128)
        #expect(dns["dns_transactions"] as? Int == lookups)
        let rest = try #require(dns["dns_not_kept"] as? [String: Any])
        #expect(rest["transactions"] as? Int == lookups - 128)
        #expect(rest["unanswered"] as? Int == 1)
        #expect(rest["answered"] as? Int == lookups - 129)
        let nxdomains = (128..<lookups - 1).filter { $0 % 10 == 9 }.count
        #expect(rest["errors"] as? Int == nxdomains)
        #expect((dns["anomalies"] as? [String])?.contains("dns_cap") == true)
        // Other sessions print exactly as before: no new fields.
        let short = try #require(sessions.first { $0["id"] as? Int == 2 })
        #expect(short["dns_not_kept"] == nil && short["dns_transactions"] == nil)

        let text = try CLI.socketscope("sessions", Self.path, "--threads", "1")
        #expect(text.output.contains("  DNS: \(lookups - 128) more transactions not listed (only the first 128 are)"))
    }

    @Test("at most 10,000 ended sessions wait for a live one: then they go out, each exactly once")
    func printerWindow() throws {
        let ids = try Self.objects().compactMap { $0["id"] as? Int }
        let all = Array(1...LongDNSCapture.shortSessions + 1)
        #expect(ids.sorted() == all)
        // Waiting without a cap would print session 1 first (strict id order) and hold all 12,000 meanwhile.
        #expect(ids.first == 2)
        let others = ids.filter { $0 != 1 }
        #expect(others == others.sorted())
    }
}
