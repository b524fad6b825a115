import Wire

/// Wireshark's TCP analysis labels (`tcp.analysis.*`), as an option set: names only when rendering.
public struct TCPAnalysisFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }

    public static let retransmission = TCPAnalysisFlags(rawValue: 1 << 0)
    public static let fastRetransmission = TCPAnalysisFlags(rawValue: 1 << 1)
    public static let spuriousRetransmission = TCPAnalysisFlags(rawValue: 1 << 2)
    public static let outOfOrder = TCPAnalysisFlags(rawValue: 1 << 3)
    public static let lostSegment = TCPAnalysisFlags(rawValue: 1 << 4)
    public static let ackLostSegment = TCPAnalysisFlags(rawValue: 1 << 5)
    public static let duplicateAck = TCPAnalysisFlags(rawValue: 1 << 6)
    public static let zeroWindow = TCPAnalysisFlags(rawValue: 1 << 7)
    public static let zeroWindowProbe = TCPAnalysisFlags(rawValue: 1 << 8)
    public static let zeroWindowProbeAck = TCPAnalysisFlags(rawValue: 1 << 9)
    public static let windowFull = TCPAnalysisFlags(rawValue: 1 << 10)
    public static let windowUpdate = TCPAnalysisFlags(rawValue: 1 << 11)
    public static let keepAlive = TCPAnalysisFlags(rawValue: 1 << 12)
    public static let keepAliveAck = TCPAnalysisFlags(rawValue: 1 << 13)
    public static let reusedPorts = TCPAnalysisFlags(rawValue: 1 << 14)

    /// Wireshark's field names (without the `tcp.analysis.` prefix), in a fixed order, as literals (JSON writes them
    /// with no escaping pass).
    public static let literalNames: [(TCPAnalysisFlags, StaticString)] = [
        (.retransmission, "retransmission"), (.fastRetransmission, "fast_retransmission"),
        (.spuriousRetransmission, "spurious_retransmission"), (.outOfOrder, "out_of_order"),
        (.lostSegment, "lost_segment"), (.ackLostSegment, "ack_lost_segment"), (.duplicateAck, "duplicate_ack"),
        (.zeroWindow, "zero_window"), (.zeroWindowProbe, "zero_window_probe"),
        (.zeroWindowProbeAck, "zero_window_probe_ack"), (.windowFull, "window_full"),
        (.windowUpdate, "window_update"), (.keepAlive, "keep_alive"), (.keepAliveAck, "keep_alive_ack"),
        (.reusedPorts, "reused_ports"),
    ]
    /// `literalNames` as Strings.
    public static let names: [(TCPAnalysisFlags, String)] = literalNames.map { ($0.0, $0.1.description) }

    /// The names of the labels present, in `names` order.
    public var names: [String] {
        // Most segments carry no label: no array at all then.
        guard !isEmpty else { return [] }
        var out: [String] = []
        for (flag, name) in TCPAnalysisFlags.names where contains(flag) { out.append(name) }
        return out
    }
}

/// Wireshark's per-direction sequence analysis state (`tcp_analyze_seq_info` plus window fields). Numbers are
/// relative to the direction's base, as in Wireshark, where 0 means "not seen yet".
struct SequenceAnalysis {
    var nextSeq: UInt32 = 0
    var nextSeqTime: Int64 = 0
    var maxSeqToBeAcked: UInt32 = 0
    var lastAck: UInt32 = 0
    var lastAckTime: Int64 = 0
    var dupAckCount = 0
    var lastNonDupAckFrame = 0
    var window: UInt16 = 0
    var windowSeen = false
    /// -1: no SYN seen from this side; -2: SYN seen, no scaling; otherwise the shift count.
    var windowScale = -1
    /// The last window this side advertised was in a SYN (and so unscaled).
    var windowFromSYN = false
    var lastSegmentFlags: TCPAnalysisFlags = []
}

/// RFC 1982 comparisons on relative numbers, as Wireshark's GT_SEQ/LT_SEQ/LE_SEQ.
@inline(__always) private func gt(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) > 0 }
@inline(__always) private func lt(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) < 0 }
@inline(__always) private func le(_ a: UInt32, _ b: UInt32) -> Bool { Int32(bitPattern: a &- b) <= 0 }

/// One segment, in the terms the analysis needs (relative numbers).
struct AnalysisSegment {
    var seq: UInt32
    var ack: UInt32
    var length: UInt32
    var flags: TCPFlags
    var window: UInt16
    var time: Int64
    var frame: Int
}

/// The result of analysing one segment.
struct AnalysisResult {
    var flags: TCPAnalysisFlags = []
    var duplicateAckNumber = 0
    var duplicateAckFrame = 0
}

/// Wireshark's sequence analysis (4.0 semantics, written from its documented definitions): `forward` is the
/// sending direction, `reverse` the other. `initialRTT` is the handshake RTT in nanoseconds (0 when unknown),
/// which bounds how late a segment may arrive and still be "out of order".
func analyze(_ segment: AnalysisSegment, forward: inout SequenceAnalysis, reverse: inout SequenceAnalysis,
             initialRTT: Int64, preset: TCPAnalysisFlags) -> AnalysisResult {
    var result = AnalysisResult()
    result.flags = preset
    let seq = segment.seq, ack = segment.ack, seglen = segment.length, window = segment.window
    let flags = segment.flags
    let hasControl = !flags.isDisjoint(with: [.syn, .fin, .rst])

    checks: do {
        // Zero window probe: one byte at the next expected sequence number into a zero window.
        if seglen == 1, seq == forward.nextSeq, reverse.windowSeen, reverse.window == 0 {
            result.flags.insert(.zeroWindowProbe)
            break checks
        }
        // Zero window: the sender advertises no room (SYN, FIN and RST excepted).
        if window == 0, !hasControl { result.flags.insert(.zeroWindow) }
        // Lost segment: the sequence number jumps past what was expected (a previous segment was not seen).
        if forward.nextSeq != 0, gt(seq, forward.nextSeq), !flags.contains(.rst) {
            result.flags.insert(.lostSegment)
        }
        // Keep-alive: zero or one byte, one before the next expected sequence number.
        if seglen <= 1, seq == forward.nextSeq &- 1, !hasControl { result.flags.insert(.keepAlive) }
        // Window update: no data, same seq and ack, new non-zero window.
        if seglen == 0, window != 0, window != forward.window, seq == forward.nextSeq, ack == forward.lastAck,
           !hasControl {
            result.flags.insert(.windowUpdate)
        }
        // Window full: the data reaches exactly the edge of the receiver's advertised window.
        if seglen > 0, reverse.windowScale != -1, !hasControl {
            let shift = reverse.windowFromSYN || reverse.windowScale < 0 ? 0 : UInt32(reverse.windowScale)
            // Window arithmetic is in sequence space, modulo 2^32.
            if seq &+ seglen == reverse.lastAck &+ (UInt32(reverse.window) << shift) {
                result.flags.insert(.windowFull)
            }
        }
        // Keep-alive ACK: repeats the previous ACK after a keep-alive from the other side.
        if seglen == 0, window != 0, window == forward.window, seq == forward.nextSeq, ack == forward.lastAck,
           reverse.lastSegmentFlags.contains(.keepAlive), !hasControl {
            result.flags.insert(.keepAliveAck)
            break checks
        }
        // Zero window probe ACK: repeats the ACK (or acks the probe byte) with the window still zero.
        if seglen == 0, window == 0, window == forward.window, seq == forward.nextSeq,
           ack == forward.lastAck || ack == forward.lastAck &+ 1,
           reverse.lastSegmentFlags.contains(.zeroWindowProbe), !hasControl {
            result.flags.insert(.zeroWindowProbeAck)
            break checks
        }
        // Duplicate ACK: no data, same window, seq and ack as before.
        if seglen == 0, window != 0, window == forward.window, seq == forward.nextSeq, ack == forward.lastAck,
           !hasControl {
            forward.dupAckCount += 1
            result.flags.insert(.duplicateAck)
            result.duplicateAckNumber = forward.dupAckCount
            result.duplicateAckFrame = forward.lastNonDupAckFrame
        }
    }
    if !result.flags.contains(.duplicateAck) {
        forward.lastNonDupAckFrame = segment.frame
        forward.dupAckCount = 0
    }
    // ACKed lost segment: this ACK covers bytes the capture never showed going the other way.
    if reverse.maxSeqToBeAcked != 0, gt(ack, reverse.maxSeqToBeAcked), flags.contains(.ack) {
        result.flags.insert(.ackLostSegment)
        reverse.maxSeqToBeAcked = reverse.nextSeq
    }
    // Retransmission family: data (or SYN/FIN) that does not advance the sequence number.
    if seglen > 0 || !flags.isDisjoint(with: [.syn, .fin]), !result.flags.contains(.keepAlive) {
        let notAdvanced = forward.nextSeq != 0 && lt(seq, forward.nextSeq)
        classify: do {
            // Fast retransmission: at least two duplicate ACKs asked for this byte within the last 20 ms.
            if notAdvanced, reverse.dupAckCount >= 2, reverse.lastAck == seq,
               segment.time - reverse.lastAckTime < 20_000_000 {
                // Wireshark reports a fast retransmission as a retransmission too.
                result.flags.formUnion([.fastRetransmission, .retransmission])
                break classify
            }
            // Out of order: arrived within one handshake RTT (3 ms if unknown) of the highest segment.
            let threshold = initialRTT > 0 ? initialRTT : 3_000_000
            if notAdvanced, segment.time - forward.nextSeqTime < threshold, forward.nextSeq != seq &+ seglen {
                result.flags.insert(.outOfOrder)
                break classify
            }
            // Spurious retransmission: every byte of it had already been acknowledged.
            if seglen > 0, reverse.lastAck != 0, le(seq &+ seglen, reverse.lastAck) {
                result.flags.insert(.spuriousRetransmission)
                break classify
            }
            if notAdvanced { result.flags.insert(.retransmission) }
        }
    }
    // SYN and FIN each take one sequence number (RFC 9293 §3.4).
    var nextSeq = seq &+ seglen
    if !flags.isDisjoint(with: [.syn, .fin]) { nextSeq &+= 1 }
    let probe = result.flags.contains(.zeroWindowProbe)
    if gt(nextSeq, forward.nextSeq) || forward.nextSeq == 0, !probe {
        forward.nextSeq = nextSeq
        forward.nextSeqTime = segment.time
    }
    if seq == forward.maxSeqToBeAcked || forward.maxSeqToBeAcked == 0, !probe {
        forward.maxSeqToBeAcked = forward.nextSeq
    }
    forward.window = window
    forward.windowSeen = true
    forward.windowFromSYN = flags.contains(.syn)
    forward.lastAck = ack
    forward.lastAckTime = segment.time
    forward.lastSegmentFlags = result.flags
    return result
}
