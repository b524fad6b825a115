import Testing
import Wire
@testable import Sessions

@Suite("Wireshark analysis flags on crafted segments")
struct AnalysisTests {
    let data = [UInt8](repeating: 0x78, count: 100)

    @Test("retransmission, spurious retransmission, lost segment, ACKed lost segment")
    func retransmissions() {
        let h = Harness()
        h.handshake()
        #expect(h.tcp(true, seq: 1001, ack: 5001, .ack, payload: data).analysis == [])
        h.tcp(true, seq: 1101, ack: 5001, .ack, payload: data)
        #expect(h.tcp(true, seq: 1101, ack: 5001, .ack, payload: data, after: 1000).analysis == .retransmission)
        h.tcp(false, seq: 5001, ack: 1201, .ack)
        #expect(h.tcp(true, seq: 1001, ack: 5001, .ack, payload: data, after: 1000).analysis == .spuriousRetransmission)
        #expect(h.tcp(true, seq: 1301, ack: 5001, .ack, payload: data).analysis == .lostSegment)
        #expect(h.tcp(false, seq: 5001, ack: 1501, .ack).analysis == .ackLostSegment)
    }

    @Test("duplicate ACKs with their numbers, fast retransmission, out of order")
    func duplicateAcks() {
        let h = Harness()
        h.handshake(rtt: 10)
        h.tcp(true, seq: 1001, ack: 5001, .ack, payload: data)
        h.tcp(true, seq: 1101, ack: 5001, .ack, payload: data)
        h.tcp(true, seq: 1201, ack: 5001, .ack, payload: data)
        h.tcp(false, seq: 5001, ack: 1101, .ack)
        let first = h.tcp(false, seq: 5001, ack: 1101, .ack)
        #expect(first.analysis == .duplicateAck && first.duplicateAckNumber == 1 && first.duplicateAckFrame == 7)
        let second = h.tcp(false, seq: 5001, ack: 1101, .ack)
        #expect(second.duplicateAckNumber == 2)
        #expect(h.tcp(true, seq: 1101, ack: 5001, .ack, payload: data).analysis == [.fastRetransmission, .retransmission])
        #expect(h.tcp(true, seq: 1401, ack: 5001, .ack, payload: data, after: 0.5).analysis == .lostSegment)
        #expect(h.tcp(true, seq: 1301, ack: 5001, .ack, payload: data, after: 0.5).analysis == .outOfOrder)
    }

    @Test("zero window, probe, probe ACK, window update, window full, keep-alive and its ACK")
    func windows() {
        let h = Harness()
        h.handshake()
        #expect(h.tcp(false, seq: 5001, ack: 1001, .ack, window: 0).analysis == .zeroWindow)
        #expect(h.tcp(true, seq: 1001, ack: 5001, .ack, payload: [1], after: 200).analysis == .zeroWindowProbe)
        #expect(h.tcp(false, seq: 5001, ack: 1001, .ack, window: 0).analysis == [.zeroWindow, .zeroWindowProbeAck])
        #expect(h.tcp(false, seq: 5001, ack: 1001, .ack, window: 300).analysis == .windowUpdate)
        let full = h.tcp(true, seq: 1001, ack: 5001, .ack, payload: [UInt8](repeating: 1, count: 300))
        #expect(full.analysis == .windowFull)
        h.tcp(false, seq: 5001, ack: 1301, .ack, window: 300)
        #expect(h.tcp(true, seq: 1300, ack: 5001, .ack, after: 60_000).analysis == .keepAlive)
        #expect(h.tcp(false, seq: 5001, ack: 1301, .ack, window: 300).analysis == .keepAliveAck)
    }

    @Test("a new SYN with a new ISN on the same ports is a new session flagged reused_ports")
    func reusedPorts() throws {
        let h = Harness(collectEnded: true)
        h.handshake()
        h.tcp(true, seq: 1001, ack: 5001, [.fin, .ack])
        h.tcp(false, seq: 5001, ack: 1002, [.fin, .ack])
        h.tcp(true, seq: 1002, ack: 5002, .ack)
        let annotation = h.tcp(true, seq: 90000, .syn, after: 1000)
        #expect(annotation.analysis == .reusedPorts)
        #expect(annotation.session == 2)
        #expect(h.tcp(true, seq: 90000, .syn, after: 1000).analysis == .retransmission)  // same ISN: a retry
        let summaries = h.finish().sorted { $0.id < $1.id }
        #expect(summaries.count == 2)
        #expect(summaries[0].state == .sf && summaries[0].endReason == .replaced)
        #expect(summaries[1].anomalies.contains("reused_ports"))
        #expect(summaries[1].synCount == 2)
        #expect(summaries[1].state == .s0)
    }

    @Test("label names render in Wireshark's spelling")
    func names() {
        #expect(TCPAnalysisFlags([.duplicateAck, .zeroWindowProbeAck]).names == ["duplicate_ack", "zero_window_probe_ack"])
        #expect(TCPAnalysisFlags.names.count == 15)
    }
}
