import Testing
import Wire
@testable import Sessions

@Suite("TCP states: Zeek conn_state, history and RFC 793 states")
struct StateTests {
    /// Builds each Zeek conn_state from crafted segments.
    static let cases: [(ZeekConnState, @Sendable (Harness) -> Void)] = [
        (.s0, { $0.tcp(true, seq: 1000, .syn) }),
        (.s1, { $0.handshake() }),
        (.sf, { h in
            h.handshake()
            h.tcp(true, seq: 1001, ack: 5001, [.fin, .ack])
            h.tcp(false, seq: 5001, ack: 1002, [.fin, .ack])
            h.tcp(true, seq: 1002, ack: 5002, .ack)
        }),
        (.rej, { h in
            h.tcp(true, seq: 1000, .syn)
            h.tcp(false, seq: 0, ack: 1001, [.rst, .ack])
        }),
        (.s2, { h in h.handshake(); h.tcp(true, seq: 1001, ack: 5001, [.fin, .ack]) }),
        (.s3, { h in h.handshake(); h.tcp(false, seq: 5001, ack: 1001, [.fin, .ack]) }),
        (.rsto, { h in h.handshake(); h.tcp(true, seq: 1001, ack: 5001, [.rst, .ack]) }),
        (.rstr, { h in h.handshake(); h.tcp(false, seq: 5001, ack: 1001, [.rst]) }),
        (.rstos0, { h in h.tcp(true, seq: 1000, .syn); h.tcp(true, seq: 1001, .rst) }),
        (.rstrh, { h in h.tcp(false, seq: 5000, ack: 1001, [.syn, .ack]); h.tcp(false, seq: 5001, .rst) }),
        (.sh, { h in h.tcp(true, seq: 1000, .syn); h.tcp(true, seq: 1001, .fin) }),
        (.shr, { h in h.tcp(false, seq: 5000, ack: 1001, [.syn, .ack]); h.tcp(false, seq: 5001, ack: 1001, [.fin, .ack]) }),
        (.oth, { h in h.tcp(true, seq: 1001, ack: 5001, .ack, payload: [1, 2, 3]) }),
    ]

    @Test("every Zeek conn_state code", arguments: 0..<13)
    func connState(index: Int) throws {
        let (expected, build) = Self.cases[index]
        let h = Harness()
        build(h)
        let summary = try #require(h.finish().first)
        #expect(summary.state == expected)
    }

    @Test("every code is covered")
    func allCodesCovered() {
        #expect(Set(Self.cases.map(\.0)) == Set(ZeekConnState.allCases))
    }

    @Test("history letters, case and repeat rules")
    func history() throws {
        let h = Harness()
        h.tcp(true, seq: 1000, .syn)
        h.tcp(true, seq: 1000, .syn)  // same seq: not repeated
        h.tcp(false, seq: 5000, ack: 1001, [.syn, .ack])
        h.tcp(true, seq: 1001, ack: 5001, .ack)
        h.tcp(true, seq: 1001, ack: 5001, .ack, payload: [1, 2])
        h.tcp(true, seq: 1003, ack: 5001, .ack, payload: [3])  // second data packet: 'D' only once
        h.tcp(false, seq: 5001, ack: 1004, .ack)
        for _ in 0..<10 { h.tcp(true, seq: 1001, ack: 5001, .ack, payload: [1, 2]) }  // 10 retransmissions: T twice
        h.tcp(false, seq: 5001, ack: 1004, .ack, window: 0)
        h.tcp(true, seq: 1004, ack: 5001, [.fin, .ack])
        h.tcp(false, seq: 5001, ack: 1005, [.fin, .ack])
        h.tcp(true, seq: 1005, ack: 5002, .ack)
        let summary = try #require(h.finish().first)
        #expect(summary.history == "ShADaTTwFf")
        #expect(summary.state == .sf)
    }

    @Test("RFC 793 states of both ends after every frame")
    func rfcStates() {
        let h = Harness()
        var a = h.tcp(true, seq: 1000, .syn)
        #expect(a.clientState == .synSent && a.serverState == .closed)
        a = h.tcp(false, seq: 5000, ack: 1001, [.syn, .ack])
        #expect(a.clientState == .established && a.serverState == .synReceived)
        a = h.tcp(true, seq: 1001, ack: 5001, .ack)
        #expect(a.clientState == .established && a.serverState == .established)
        a = h.tcp(true, seq: 1001, ack: 5001, [.fin, .ack])
        #expect(a.clientState == .finWait1 && a.serverState == .closeWait)
        a = h.tcp(false, seq: 5001, ack: 1002, .ack)
        #expect(a.clientState == .finWait2 && a.serverState == .closeWait)
        a = h.tcp(false, seq: 5001, ack: 1002, [.fin, .ack])
        #expect(a.clientState == .timeWait && a.serverState == .lastAck)
        a = h.tcp(true, seq: 1002, ack: 5002, .ack)
        #expect(a.clientState == .timeWait && a.serverState == .closed)
        #expect(a.relativeSequence == 2 && a.relativeAcknowledgement == 2)
    }

    @Test("handshake RTT is SYN to the ACK of the SYN-ACK; counts and close events are recorded")
    func handshakeSummary() throws {
        let h = Harness()
        h.handshake(rtt: 20)
        h.tcp(true, seq: 1001, ack: 5001, [.ack, .psh], payload: Array("hello".utf8))
        h.tcp(false, seq: 5001, ack: 1006, [.rst, .ack])
        let summary = try #require(h.finish().first)
        #expect(summary.handshakeRTT == 0.02)
        #expect(summary.synToSynAck == 0.01)
        #expect(summary.packets.client == 3 && summary.packets.server == 2)
        #expect(summary.bytes.client == 5)
        #expect(summary.firstRST == SideEvent(frame: 5, direction: .serverToClient))
        #expect(summary.state == .rstr)
        #expect(summary.firstFrame == 1 && summary.frameCount == 5)
        #expect(!summary.clientGuessed)
    }
}
