import Foundation
import Testing

/// Hostile captures built here (in a temporary directory): what a sniffer on an open network can be sent. Each
/// goes through `read` and `sessions` with explicit limits; the child's peak memory (getrusage ru_maxrss) must
/// stay under `memoryBound`, and the output must say what was dropped.
@Suite("Adversarial captures stay within bounded memory and say what they dropped")
struct AdversarialTests {
    /// Peak resident memory allowed to one `socketscope` run on these inputs (documented in Fuzz/README.md).
    static let memoryBoundKiB = 200 * 1024
    static let timeout = 90.0
    static let limits = ["--max-flows", "1000", "--max-reassembly-per-flow", "262144",
                         "--max-reassembly-total", "8388608", "--max-out-of-order", "256"]

    static func tcp(_ fromClient: Bool, port: UInt16 = 40000, seq: UInt32, ack: UInt32, flags: UInt8,
                    payload: [UInt8] = [], client: UInt32 = Packet.client) -> [UInt8] {
        Packet.tcp(source: fromClient ? client : Packet.server, destination: fromClient ? Packet.server : client,
                   sourcePort: fromClient ? port : 80, destinationPort: fromClient ? 80 : port,
                   seq: seq, ack: ack, flags: flags, payload: payload)
    }

    /// Runs one command; checks a clean exit, the memory bound, and that every line is JSON when asked for JSON.
    static func check(_ name: String, _ arguments: [String], json: Bool = true) -> Robustness.Run {
        let run = Robustness.run(arguments, timeout: timeout)
        #expect(run.status == 0 && run.signal == nil && !run.timedOut, "\(name) \(arguments.first ?? ""): \(run.verdict)")
        #expect(run.peakKiB < memoryBoundKiB,
                "\(name) \(arguments.first ?? ""): peak memory \(run.peakKiB / 1024) MiB over \(memoryBoundKiB / 1024) MiB (\(run.peakDetail))")
        if json { #expect(Robustness.firstBadJSONLine(run) == nil, "\(name): a line is not JSON") }
        print("adversarial \(name) \(arguments.prefix(3).joined(separator: " ")): \(run.lines.count) lines, "
              + "peak \(run.peakKiB / 1024) MiB (\(run.peakDetail)), \(String(format: "%.1f", run.seconds)) s")
        return run
    }

    @Test func synFloodFrom100000SourcePorts() throws {
        var file = PcapFile(linkType: 228)
        for i in 0..<100_000 {
            // 100,000 distinct (address, port) pairs: ports 1024-60999 on two client addresses.
            let client = Packet.client &+ UInt32(i / 60_000) &* 256
            file.add(Self.tcp(true, port: UInt16(1024 + i % 60_000), seq: UInt32(i) &* 7919, ack: 0, flags: 0x02,
                              client: client),
                     seconds: 1_700_000_000 + UInt32(i / 10_000), microseconds: UInt32(i % 10_000) * 100)
        }
        let url = try file.write("syn-flood.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let sessions = Self.check("syn flood", ["sessions", "--format", "json", url.path] + Self.limits)
        #expect(sessions.lines.count == 100_000, "every SYN is one session")
        let evicted = sessions.lines.filter { $0.contains("\"end_reason\":\"evicted\"") }.count
        #expect(evicted >= 99_000, "sessions ended to stay within --max-flows say end_reason evicted (\(evicted))")
        #expect(sessions.stderr.contains("ended early to stay within --max-flows"), "stderr: \(sessions.stderr)")
        let read = Self.check("syn flood", ["read", "--format", "json", url.path] + Self.limits)
        #expect(read.lines.count == 100_000)
        #expect(read.stderr.contains("ended early to stay within --max-flows"), "read says so too: \(read.stderr)")
    }

    @Test func oneFlowWith100000OutOfOrderSegments() throws {
        var file = PcapFile(linkType: 228)
        let isn: UInt32 = 1000, serverISN: UInt32 = 5000
        file.add(Self.tcp(true, seq: isn, ack: 0, flags: 0x02), seconds: 1_700_000_000)
        file.add(Self.tcp(false, seq: serverISN, ack: isn + 1, flags: 0x12), seconds: 1_700_000_000, microseconds: 1)
        file.add(Self.tcp(true, seq: isn + 1, ack: serverISN + 1, flags: 0x10), seconds: 1_700_000_000, microseconds: 2)
        let payload = [UInt8](repeating: 0x41, count: 100)
        // The first 100 bytes never arrive; the rest arrive last-first, so every segment is out of order.
        for i in 0..<100_000 {
            let offset = UInt32(100 + (99_999 - i) * 100)
            file.add(Self.tcp(true, seq: isn + 1 + offset, ack: serverISN + 1, flags: 0x18, payload: payload),
                     seconds: 1_700_000_001 + UInt32(i / 100_000), microseconds: UInt32(i % 100_000) * 10)
        }
        let url = try file.write("out-of-order.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let sessions = Self.check("out of order", ["sessions", "--format", "json", url.path] + Self.limits)
        let session = try #require(Robustness.jsonObjects(sessions).objects.first)
        let anomalies = session["anomalies"] as? [String] ?? []
        #expect(anomalies.contains("reassembly_cap"), "the session says a reassembly cap was hit: \(anomalies)")
        #expect((session["missed_bytes"] as? Int ?? 0) > 0, "bytes given up on are counted as missed")
        _ = Self.check("out of order", ["read", "--format", "json", url.path] + Self.limits)
        _ = Self.check("out of order", ["follow", "--session", "1", "--format", "hex", url.path] + Self.limits,
                       json: false)
    }

    @Test func endlessChunkedHTTPBody() throws {
        var file = PcapFile(linkType: 228)
        let isn: UInt32 = 1000, serverISN: UInt32 = 5000
        let request = Array("GET /stream HTTP/1.1\r\nHost: board\r\n\r\n".utf8)
        file.add(Self.tcp(true, seq: isn, ack: 0, flags: 0x02), seconds: 1_700_000_000)
        file.add(Self.tcp(false, seq: serverISN, ack: isn + 1, flags: 0x12), seconds: 1_700_000_000, microseconds: 1)
        file.add(Self.tcp(true, seq: isn + 1, ack: serverISN + 1, flags: 0x18, payload: request),
                 seconds: 1_700_000_000, microseconds: 2)
        let ack = isn + 1 + UInt32(request.count)
        var seq = serverISN + 1
        let head = Array("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n".utf8)
        file.add(Self.tcp(false, seq: seq, ack: ack, flags: 0x18, payload: head), seconds: 1_700_000_000, microseconds: 3)
        seq &+= UInt32(head.count)
        // 20,000 segments of 1,400 bytes: chunks of 0x571 bytes with their size lines, never a last chunk.
        let chunk = Array("571\r\n".utf8) + [UInt8](repeating: 0x61, count: 0x571) + Array("\r\n".utf8)
        precondition(chunk.count == 1400)
        for i in 0..<20_000 {
            file.add(Self.tcp(false, seq: seq, ack: ack, flags: 0x10, payload: chunk),
                     seconds: 1_700_000_001 + UInt32(i / 1000), microseconds: UInt32(i % 1000) * 1000)
            seq &+= 1400
        }
        let url = try file.write("endless-chunked.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let sessions = Self.check("endless chunked", ["sessions", "--format", "json", url.path] + Self.limits)
        let session = try #require(Robustness.jsonObjects(sessions).objects.first)
        let http = try #require((session["http"] as? [[String: Any]])?.first, "the exchange is reported")
        #expect(http["unfinished"] as? Bool == true, "the body never ended: \(http)")
        #expect((http["body_length"] as? Int ?? 0) == 20_000 * 0x571, "chunk framing removed, every body byte counted")
        #expect(http["chunked"] as? Bool == true, "known from the head, even though the body never ends")
        _ = Self.check("endless chunked", ["read", "--format", "json", url.path] + Self.limits)
        _ = Self.check("endless chunked", ["follow", "--session", "1", "--format", "raw", "--direction", "server",
                                           url.path] + Self.limits, json: false)
    }

    /// DNS names whose compression pointers loop: onto themselves, forwards, in a cycle of two, and a chain of
    /// 40 backward pointers (longer than the hop cap).
    static func dnsLoops() -> [[UInt8]] {
        let header: [UInt8] = [0x12, 0x34, 0x81, 0x80, 0, 1, 0, 1, 0, 0, 0, 0]
        let selfLoop = header + [0xc0, 0x0c, 0, 1, 0, 1] + [0xc0, 0x0c, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 10, 0, 0, 1]
        let forward = header + [0xc0, 0x0e, 0xc0, 0x0c, 0, 1, 0, 1]
        let cycle = header + [1, 0x61, 0xc0, 0x10, 1, 0x62, 0xc0, 0x0c, 0, 1, 0, 1]
        var chain = header + [1, 0x61, 0]
        var previous = 12
        for _ in 0..<40 {
            let here = chain.count
            chain += [1, 0x62, 0xc0 | UInt8(previous >> 8), UInt8(previous & 0xff)]
            previous = here
        }
        chain += [0xc0 | UInt8(previous >> 8), UInt8(previous & 0xff), 0, 1, 0, 1]
        return [selfLoop, forward, cycle, chain]
    }

    @Test func dnsPointerLoops() throws {
        var file = PcapFile(linkType: 228)
        let loops = Self.dnsLoops()
        for i in 0..<20_000 {
            let payload = loops[i % loops.count]
            file.add(Packet.udp(source: Packet.server, destination: Packet.client, sourcePort: 53,
                                destinationPort: UInt16(20_000 + i % 1000), payload: payload),
                     seconds: 1_700_000_000 + UInt32(i / 1000), microseconds: UInt32(i % 1000))
        }
        let url = try file.write("dns-loops.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let read = Self.check("dns pointer loops", ["read", "--format", "json", url.path] + Self.limits)
        #expect(read.lines.count == 20_000)
        #expect(read.seconds < 30, "pointer loops must not slow decoding down: \(read.seconds) s")
        _ = Self.check("dns pointer loops", ["sessions", "--format", "json", url.path] + Self.limits)
        let explain = Robustness.run(["explain", "--frame", "3", "--format", "json", url.path])
        #expect(explain.status == 0, "\(explain.verdict)")
    }

    @Test func ipFragmentsThatNeverComplete() throws {
        var file = PcapFile(linkType: 228)
        let data = [UInt8](repeating: 0x55, count: 64)
        for i in 0..<100_000 {
            // First fragments (more fragments follow), each of its own datagram, never completed.
            let header = Packet.ipv4Header(source: Packet.client &+ UInt32(i % 200), destination: Packet.server,
                                           proto: 17, payloadLength: data.count, id: UInt16(truncatingIfNeeded: i),
                                           moreFragments: true, fragmentOffset: (i % 3) * 8)
            file.add(header + data, seconds: 1_700_000_000 + UInt32(i / 10_000), microseconds: UInt32(i % 10_000) * 100)
        }
        let url = try file.write("fragments.pcap")
        defer { try? FileManager.default.removeItem(at: url) }
        let read = Self.check("fragments", ["read", "--format", "json", url.path] + Self.limits)
        #expect(read.lines.count == 100_000)
        #expect(read.stderr.contains("fragmented IPv4 datagrams were given up"), "stderr: \(read.stderr)")
        let sessions = Self.check("fragments", ["sessions", "--format", "json", url.path] + Self.limits)
        #expect(sessions.stderr.contains("fragmented IPv4 datagrams were given up"), "stderr: \(sessions.stderr)")
    }
}
