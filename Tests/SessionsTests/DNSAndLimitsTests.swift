import Testing
import Wire
@testable import Sessions

@Suite("UDP sessions, DNS pairing, caps and expiry")
struct DNSAndLimitsTests: DNSFixtures {
    @Test("queries pair with responses by id; latency, rcode, answers; a later connection links to the lookup")
    func pairing() throws {
        let h = Harness(collectEnded: true)
        let q = h.udp(from: board, to: resolver, dns: query(17, "example.lan"))
        #expect(q.dns?.queryFrame == 1 && q.dns?.responseFrame == nil)
        h.udp(from: board, to: resolver, dns: query(18, "nope.lan"), after: 1)
        let r = h.udp(from: resolver, to: board, dns: answer(17, "example.lan", address: .v4(0x0a00_0001)), after: 49)
        #expect(r.dns?.responseFrame == 3)
        #expect(r.dns?.latencyNanoseconds == 50_000_000)
        h.udp(from: resolver, to: board, dns: answer(18, "nope.lan", rcode: 3), after: 1)
        h.tcp(true, seq: 1000, .syn)  // to 10.0.0.1, the answer above
        let summaries = h.finish().sorted { $0.id < $1.id }
        let udp = try #require(summaries.first)
        #expect(udp.proto == .udp && udp.state == .sf && udp.history == "Dd")
        #expect(udp.client.port == 4096 && udp.server.port == 53)
        #expect(udp.dns.count == 2)
        #expect(udp.dns[0].name == "example.lan" && udp.dns[0].rcodeName == "NOERROR" && udp.dns[0].answers == ["10.0.0.1"])
        #expect(udp.dns[1].rcodeName == "NXDOMAIN" && udp.dns[1].queryFrame == 2 && udp.dns[1].responseFrame == 4)
        let tcp = try #require(summaries.last)
        #expect(tcp.dnsLookup?.name == "example.lan")
        #expect(tcp.dnsLookup?.queryFrame == 1)
    }

    @Test("UDP conn_state S0 when only the originator sent; idle timeout on packet time")
    func udpIdle() throws {
        var options = SessionOptions()
        options.udpIdleTimeoutNanoseconds = 1_000_000_000
        let h = Harness(options: options, collectEnded: true)
        h.udp(from: board, to: resolver)
        h.udp(from: board, to: resolver, after: 2000)  // after the timeout: a new session
        #expect(h.ended.count == 1)
        #expect(h.ended[0].state == .s0 && h.ended[0].endReason == .idle)
        let rest = h.tracker.finish()
        #expect(rest.first?.id == 2)
    }

    @Test("the flow cap evicts the longest-idle session and counts it")
    func flowCap() {
        var options = SessionOptions()
        options.maxFlows = 2
        let h = Harness(options: options, collectEnded: true)
        for port in UInt16(1)...3 { h.udp(from: (board.0, 5000 + port), to: resolver) }
        #expect(h.tracker.evictedCount == 1)
        #expect(h.tracker.liveSessionCount == 2)
        #expect(h.ended.first?.id == 1 && h.ended.first?.endReason == .evicted)
    }

    @Test("the out-of-order cap declares a gap instead of buffering more")
    func reassemblyCap() throws {
        var options = SessionOptions()
        options.maxOutOfOrderSegmentsPerFlow = 2
        let h = Harness(options: options)
        h.handshake()
        for index in UInt32(1)...3 { h.tcp(true, seq: 1001 + index * 10, ack: 5001, .ack, payload: [UInt8](repeating: 1, count: 5)) }
        #expect(h.tracker.reassemblyCapHits >= 1)
        #expect(h.tracker.bufferedBytes <= 10)
        let summary = try #require(h.finish().first)
        #expect(summary.anomalies.contains("reassembly_cap"))
        #expect(summary.bytes.client == 15)
        #expect(h.tracker.bufferedBytes == 0)
    }

    @Test("a closed connection is reported after its linger time, not kept")
    func closedLinger() {
        let h = Harness(collectEnded: true)
        h.handshake()
        h.tcp(true, seq: 1001, ack: 5001, [.rst, .ack])
        h.udp(from: board, to: resolver, after: 6000)
        #expect(h.ended.count == 1 && h.ended[0].endReason == .closed && h.ended[0].state == .rsto)
        #expect(h.tracker.liveSessionCount == 1)
    }
}
