import Wire

/// Zeek's per-endpoint TCP state (`TCP_ENDPOINT_*` in Zeek's TCP analyzer), the input to `conn_state`.
enum ZeekEndpointState: UInt8, Sendable {
    case inactive, synSent, synAckSent, partial, established, closed, reset
}

/// Zeek's `conn_state` codes (base/protocols/conn/main.zeek).
public enum ZeekConnState: String, Sendable, Hashable, CaseIterable {
    /// Connection attempt seen, no reply.
    case s0 = "S0"
    /// Connection established, not terminated.
    case s1 = "S1"
    /// Normal establishment and termination.
    case sf = "SF"
    /// Connection attempt rejected.
    case rej = "REJ"
    /// Established, and the originator attempted to close (no reply from the responder).
    case s2 = "S2"
    /// Established, and the responder attempted to close (no reply from the originator).
    case s3 = "S3"
    /// Established, the originator aborted (sent a RST).
    case rsto = "RSTO"
    /// The responder sent a RST.
    case rstr = "RSTR"
    /// The originator sent a SYN followed by a RST; no SYN-ACK from the responder was seen.
    case rstos0 = "RSTOS0"
    /// The responder sent a SYN-ACK followed by a RST; no SYN from the (purported) originator was seen.
    case rstrh = "RSTRH"
    /// The originator sent a SYN followed by a FIN; no SYN-ACK from the responder ("half" open).
    case sh = "SH"
    /// The responder sent a SYN-ACK followed by a FIN; no SYN from the originator was seen.
    case shr = "SHR"
    /// No SYN seen, just midstream traffic.
    case oth = "OTH"
}

/// Zeek's state machine for one connection plus its `history` string. Originator = our client.
struct ZeekTracker {
    var state: (ZeekEndpointState, ZeekEndpointState) = (.inactive, .inactive)
    var previousState: (ZeekEndpointState, ZeekEndpointState) = (.inactive, .inactive)
    /// History letters in order (ASCII).
    var history: [UInt8] = []
    /// Letters already recorded once, per endpoint (Zeek's `hist_seen` bits).
    private var seen: (UInt16, UInt16) = (0, 0)
    private var lastSYN: (UInt32?, UInt32?) = (nil, nil)
    private var lastFIN: (UInt32?, UInt32?) = (nil, nil)
    private var lastRST: (UInt32?, UInt32?) = (nil, nil)
    /// Counters and thresholds for the logarithmic letters c, g, t, w (first, 10th, 100th… occurrence).
    private var scaled: [(count: UInt32, threshold: UInt32)] = Array(repeating: (0, 1), count: 8)
    /// Each endpoint's first and last sequence numbers (Zeek's `start_seq` and `last_seq`), from its first segment.
    private var sequences: (EndpointSequences?, EndpointSequences?) = (nil, nil)

    private struct EndpointSequences {
        var start: SequenceNumber
        var last: SequenceNumber
    }

    private static let maskSYN: UInt16 = 1, maskFIN: UInt16 = 2, maskRST: UInt16 = 4, maskData: UInt16 = 8,
        maskACK: UInt16 = 16, maskCorrupt: UInt16 = 32, maskMulti: UInt16 = 64

    private func endpoint(_ originator: Bool) -> ZeekEndpointState { originator ? state.0 : state.1 }
    private mutating func set(_ originator: Bool, _ new: ZeekEndpointState) {
        if originator { previousState.0 = state.0; state.0 = new } else { previousState.1 = state.1; state.1 = new }
    }

    /// Letters are ASCII scalars (a `Character` took hundreds of instructions to turn into its byte).
    private mutating func add(_ letter: Unicode.Scalar, _ originator: Bool) {
        guard letter.isASCII else { return }
        let ascii = UInt8(truncatingIfNeeded: letter.value)
        // Upper case for the originator, lower case for the responder (Zeek's convention).
        history.append(originator ? ascii & ~0x20 : ascii | 0x20)
    }

    /// Zeek's `CheckHistory`: records the letter the first time only; true if it had been seen before.
    private mutating func check(_ mask: UInt16, _ letter: Unicode.Scalar, _ originator: Bool) -> Bool {
        let bits = originator ? seen.0 : seen.1
        if bits & mask != 0 { return true }
        if originator { seen.0 |= mask } else { seen.1 |= mask }
        add(letter, originator)
        return false
    }

    /// Zeek's `ScaledHistoryEntry`: the letter at the 1st, 10th, 100th… occurrence.
    mutating func scaledEvent(_ letter: Unicode.Scalar, _ originator: Bool) {
        let slot: Int
        switch letter {
        case "c": slot = 0
        case "g": slot = 1
        case "t": slot = 2
        default: slot = 3
        }
        let index = slot * 2 + (originator ? 0 : 1)
        scaled[index].count += 1
        if scaled[index].count == scaled[index].threshold {
            add(letter, originator)
            let (next, overflow) = scaled[index].threshold.multipliedReportingOverflow(by: 10)
            scaled[index].threshold = overflow ? UInt32.max : next
        }
    }

    /// One TCP segment from `originator`'s side, in the order of Zeek's TCP analyzer: a bad checksum, the history
    /// letters, a zero window, a retransmission ('t'), then the state machine. `sequenceSpace` is the payload
    /// length plus one each for SYN and FIN; `length` the payload length. Gaps ('g') are recorded as the
    /// reassembled stream reaches them (`scaledEvent`).
    mutating func segment(flags: TCPFlags, originator: Bool, sequence: SequenceNumber, sequenceSpace: UInt32,
                          length: Int, window: UInt16, badChecksum: Bool) {
        if badChecksum { scaledEvent("c", originator) }
        var sender = (originator ? sequences.0 : sequences.1) ?? EndpointSequences(start: sequence, last: sequence)
        updateHistory(flags: flags, originator: originator, relativeSequence: sequence.relative(to: sender.start),
                      length: length)
        let me = endpoint(originator), peer = endpoint(!originator)
        if window == 0, !flags.contains(.rst), peer != .closed, me != .reset { scaledEvent("w", originator) }
        let onePast = sequence + sequenceSpace
        let delta = onePast - sender.last
        let tooLarge: Int32 = 1_048_576  // Zeek's TOO_LARGE_SEQ_DELTA
        if !flags.isDisjoint(with: [.syn, .rst]), delta > tooLarge || delta < -tooLarge {
            // An outlandish SYN/RST sequence number is not trusted.
        } else if flags.contains(.fin), sender.last == sender.start + 1 {
            sender.last = onePast
        } else if me == .reset {
        } else if delta > 0 {
            sender.last = onePast
        } else if length > 0 {
            scaledEvent("t", originator)
        }
        if originator { sequences.0 = sender } else { sequences.1 = sender }
        updateState(flags: flags, originator: originator, length: length)
    }

    /// Zeek's `update_history`: `relativeSequence` is the segment's sequence number relative to the sender's
    /// first sequence number.
    private mutating func updateHistory(flags: TCPFlags, originator: Bool, relativeSequence: UInt32, length: Int) {
        let bits = (flags.contains(.syn) ? 1 : 0) + (flags.contains(.fin) ? 1 : 0) + (flags.contains(.rst) ? 1 : 0)
        if bits > 1 {
            if flags.contains(.fin), flags.contains(.rst) {
                _ = check(Self.maskCorrupt, "i", originator)
            } else {
                _ = check(Self.maskMulti, "q", originator)
            }
        } else if bits == 1 {
            if flags.contains(.syn) {
                let letter: Unicode.Scalar = flags.contains(.ack) ? "h" : "s"
                let last = originator ? lastSYN.0 : lastSYN.1
                if check(Self.maskSYN, letter, originator), relativeSequence != last { add(letter, originator) }
                if originator { lastSYN.0 = relativeSequence } else { lastSYN.1 = relativeSequence }
            }
            if flags.contains(.fin) {
                // A FIN's sequence number is the one after its data (Zeek compares rel_seq + len).
                let finSequence = relativeSequence &+ UInt32(truncatingIfNeeded: length)
                let last = originator ? lastFIN.0 : lastFIN.1
                if check(Self.maskFIN, "f", originator), finSequence != last { add("f", originator) }
                if originator { lastFIN.0 = finSequence } else { lastFIN.1 = finSequence }
            }
            if flags.contains(.rst) {
                let last = originator ? lastRST.0 : lastRST.1
                if check(Self.maskRST, "r", originator), relativeSequence != last { add("r", originator) }
                if originator { lastRST.0 = relativeSequence } else { lastRST.1 = relativeSequence }
            }
        } else if length > 0 {
            _ = check(Self.maskData, "d", originator)
        } else if flags.contains(.ack) {
            _ = check(Self.maskACK, "a", originator)
        }
    }

    /// A UDP datagram: Zeek records 'D'/'d' once per side.
    mutating func udpDatagram(originator: Bool) {
        _ = check(Self.maskData, "d", originator)
        if originator { state.0 = .established } else { state.1 = .established }
    }

    /// Zeek's `conn_state` for UDP: S0 only the originator sent, SF both, SHR only the responder, else OTH.
    func udpConnState() -> ZeekConnState {
        let originatorActive = state.0 == .established, responderActive = state.1 == .established
        if originatorActive { return responderActive ? .sf : .s0 }
        return responderActive ? .shr : .oth
    }

    /// Zeek's `UpdateStateMachine` for one segment from `originator`'s side.
    private mutating func updateState(flags: TCPFlags, originator: Bool, length: Int) {
        let me = endpoint(originator), peer = endpoint(!originator)
        switch me {
        case .inactive:
            if flags.contains(.syn) {
                if originator {
                    set(true, flags.contains(.ack) ? .synAckSent : .synSent)
                } else {
                    if peer == .synSent || peer == .synAckSent && !flags.contains(.ack) { set(!originator, .established) }
                    set(originator, .established)
                }
            }
            if flags.contains(.fin) { set(originator, .closed) }
            if flags.contains(.rst) { set(originator, .reset) }
            if endpoint(originator) == .inactive {
                let orig = state.0
                if !originator, length == 0, orig == .synSent {
                    // An eccentric stack acking the SYN before its SYN-ACK: not a partial connection.
                } else if flags.contains(.ack), peer == .established {
                    set(originator, .established)
                } else {
                    set(originator, .partial)
                }
            }
        case .synSent, .synAckSent:
            if flags.contains(.fin) { set(originator, .closed) }
            if flags.contains(.rst) { set(originator, .reset) }
        case .established, .partial:
            if flags.contains(.syn), me == .partial, peer == .inactive, !flags.contains(.ack) {
                set(originator, .synSent)
            }
            if flags.contains(.fin), !flags.contains(.rst) {
                set(originator, .closed)
                let peerPrevious = originator ? previousState.1 : previousState.0
                if peer == .reset, peerPrevious == .closed {
                    // The peer sent FIN then RST: really a normal close.
                    if originator { state.1 = .closed } else { state.0 = .closed }
                }
            }
            if flags.contains(.rst) { set(originator, .reset) }
        case .closed:
            if flags.contains(.rst), peer != .closed { set(originator, .reset) }
        case .reset:
            break
        }
    }

    /// Zeek's `conn_state` for TCP. `originatorBytes`/`responderBytes` are the payload sizes.
    func connState(originatorBytes: Int64, responderBytes: Int64) -> ZeekConnState {
        let os = state.0, rs = state.1
        let originatorInactive = os == .inactive || os == .partial
        let responderInactive = rs == .inactive || rs == .partial
        if rs == .reset {
            if os == .synSent || os == .synAckSent || (os == .reset && originatorBytes == 0 && responderBytes == 0) {
                return .rej
            }
            return originatorInactive ? .rstrh : .rstr
        }
        if os == .reset {
            if responderInactive { return historyMatchesRSTOS0 ? .rstos0 : .oth }
            return .rsto
        }
        if rs == .closed, os == .closed { return .sf }
        if os == .closed { return responderInactive ? .sh : .s2 }
        if rs == .closed { return originatorInactive ? .shr : .s3 }
        if os == .synSent, rs == .inactive { return .s0 }
        if os == .established, rs == .established { return .s1 }
        return .oth
    }

    /// Zeek's pattern `/\^?S[^HAFGIQ]*R.*/` over the whole history.
    private var historyMatchesRSTOS0: Bool {
        var index = 0
        if index < history.count, history[index] == UInt8(ascii: "^") { index += 1 }
        guard index < history.count, history[index] == UInt8(ascii: "S") else { return false }
        index += 1
        let forbidden = Array("HAFGIQ".utf8)
        while index < history.count {
            let letter = history[index]
            if letter == UInt8(ascii: "R") { return true }
            if forbidden.contains(letter) { return false }
            index += 1
        }
        return false
    }

    var historyString: String { String(decoding: history, as: UTF8.self) }
}
