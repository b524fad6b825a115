import Wire

/// One direction of a TCP connection, named by its sender.
struct TCPSide {
    /// Base of Wireshark's relative numbers: the ISN, or (without a SYN) one before the first number seen.
    var base = SequenceNumber(0)
    var baseSet = false
    var sawSYN = false
    var isn = SequenceNumber(0)
    /// Sequence number the sender's FIN occupies.
    var finSequence: SequenceNumber?
    var finAcknowledged = false
    var analysis = SequenceAnalysis()
    var reassembler: Reassembler?
    var state: TCPState = .closed
    var synCount = 0
    var retransmissions: Int64 = 0
    var zeroWindows: Int64 = 0
    var duplicateAcks: Int64 = 0
}

/// Both directions of a connection and Zeek's state machine over them, in one stored value: a segment updates
/// them through one access (`withSides`) where three stored properties took three runtime exclusivity checks.
struct TCPSides {
    var client = TCPSide()
    var server = TCPSide()
    var zeek = ZeekTracker()

    /// The side that sent in `direction`.
    subscript(_ direction: Direction) -> TCPSide { direction == .clientToServer ? client : server }

    /// Runs `body` with the sending side, the receiving side and Zeek's tracker, all mutable.
    @inline(__always)
    mutating func withSides<R>(_ direction: Direction,
                               _ body: (inout TCPSide, inout TCPSide, inout ZeekTracker) -> R) -> R {
        direction == .clientToServer ? body(&client, &server, &zeek) : body(&server, &client, &zeek)
    }
}

/// A tracked TCP connection.
final class TCPSession: SessionState {
    /// Not checked at run time (see OPTIMISATION.md, round 6): used through `withSides`, one access at a time.
    @exclusivity(unchecked) var sides = TCPSides()
    var firstSYNTime: Int64?
    var lastSYNTime: Int64?
    var synAckTime: Int64?
    var handshakeRTT: Int64?
    var closed = false
    var firstFIN: SideEvent?
    var firstRST: SideEvent?
    var firstZeroWindowFrame: Int?
    var analysisSeen: TCPAnalysisFlags = []
    var synFingerprint: SYNFingerprint?
    var synAckFingerprint: SYNFingerprint?
    var http: HTTPTransactions?
    var anySegment = false

    /// Runs `body` with the session, the sending side, the receiving side and Zeek's tracker, all mutable. The
    /// session is lent as a parameter: a closure that captured it retained and released it around every call.
    @inline(__always)
    func withSides<R>(_ direction: Direction,
                      _ body: (TCPSession, inout TCPSide, inout TCPSide, inout ZeekTracker) -> R) -> R {
        sides.withSides(direction) { body(self, &$0, &$1, &$2) }
    }

    func summary(reason: SessionEndReason) -> SessionSummary {
        let client = sides.client, server = sides.server, zeek = sides.zeek
        var bytes = DirectionCounts()
        bytes.client = client.reassembler?.deliveredBytes ?? 0
        bytes.server = server.reassembler?.deliveredBytes ?? 0
        var zeroWindows = DirectionCounts()
        zeroWindows.client = client.zeroWindows
        zeroWindows.server = server.zeroWindows
        var retransmissions = DirectionCounts()
        retransmissions.client = client.retransmissions
        retransmissions.server = server.retransmissions
        var duplicateAcks = DirectionCounts()
        duplicateAcks.client = client.duplicateAcks
        duplicateAcks.server = server.duplicateAcks
        var synToSynAck: Double?
        if let firstSYNTime, let synAckTime { synToSynAck = Double(synAckTime - firstSYNTime) / 1e9 }
        var summary = SessionSummary(
            id: id, proto: .tcp, client: self.client, server: self.server, clientGuessed: clientGuessed,
            state: zeek.connState(originatorBytes: wireBytes.client, responderBytes: wireBytes.server),
            history: zeek.historyString, startNanoseconds: startTime, endNanoseconds: lastTime,
            firstFrame: firstFrame, lastFrame: lastFrame, frameCount: frameCount, packets: packets, bytes: bytes,
            wireBytes: wireBytes,
            missedBytes: (client.reassembler?.gapBytes ?? 0) + (server.reassembler?.gapBytes ?? 0),
            handshakeRTT: handshakeRTT.map { Double($0) / 1e9 }, synToSynAck: synToSynAck,
            http: http?.transactions ?? [], dns: dns, dnsLookup: dnsLookup, anomalies: anomalies,
            clientState: client.state, serverState: server.state, firstFIN: firstFIN, firstRST: firstRST,
            zeroWindowFrames: zeroWindows, firstZeroWindowFrame: firstZeroWindowFrame,
            retransmissions: retransmissions, analysisSeen: analysisSeen, duplicateAcks: duplicateAcks,
            synFingerprint: synFingerprint, synAckFingerprint: synAckFingerprint, synCount: client.synCount,
            endReason: reason)
        summary.httpTransactionCount = http?.count ?? 0
        return summary
    }
}
