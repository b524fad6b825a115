import Wire

/// A tracked UDP conversation (one 5-tuple until it idles out).
final class UDPSession: SessionState {
    var zeek = ZeekTracker()
    /// DNS transactions past the session's cap (a board's DNS port can stay open for hours).
    var dnsNotKept = DNSTally()

    func summary(reason: SessionEndReason) -> SessionSummary {
        var summary = SessionSummary(
            id: id, proto: .udp, client: client, server: server, clientGuessed: clientGuessed,
            state: zeek.udpConnState(), history: zeek.historyString, startNanoseconds: startTime,
            endNanoseconds: lastTime, firstFrame: firstFrame, lastFrame: lastFrame, frameCount: frameCount,
            packets: packets, bytes: wireBytes, wireBytes: wireBytes, missedBytes: 0, handshakeRTT: nil,
            synToSynAck: nil, http: [], dns: dns, dnsLookup: dnsLookup, anomalies: anomalies, clientState: nil,
            serverState: nil, firstFIN: nil, firstRST: nil, zeroWindowFrames: DirectionCounts(),
            firstZeroWindowFrame: nil, retransmissions: DirectionCounts(), analysisSeen: [],
            duplicateAcks: DirectionCounts(), synFingerprint: nil, synAckFingerprint: nil, synCount: 0,
            endReason: reason)
        summary.dnsNotKept = dnsNotKept
        return summary
    }
}

/// UDP has no handshake: a side with a well-known port (< 1024) is the server; otherwise the first sender is
/// the client. Returns whether the source is the client and whether that was a port-based guess.
func udpClient(source: Endpoint, destination: Endpoint) -> (sourceIsClient: Bool, guessed: Bool) {
    let sourceWellKnown = source.port < wellKnownPortLimit
    let destinationWellKnown = destination.port < wellKnownPortLimit
    if sourceWellKnown, !destinationWellKnown { return (false, true) }
    return (true, false)
}
