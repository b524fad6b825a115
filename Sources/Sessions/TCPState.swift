import Wire

/// A TCP endpoint's state as RFC 9293 §3.3.2 (RFC 793) names it, inferred from the segments on the wire.
///
/// Inference rule: a segment is assumed to reach its peer when it is seen. The sender moves when it sends
/// (SYN → SYN_SENT, SYN-ACK → SYN_RECEIVED, FIN → FIN_WAIT_1 or LAST_ACK, RST → CLOSED); the receiver moves
/// when it receives (SYN-ACK → ESTABLISHED, ACK of its SYN → ESTABLISHED, ACK of its FIN → FIN_WAIT_2,
/// TIME_WAIT or CLOSED, FIN → CLOSE_WAIT, CLOSING or TIME_WAIT, RST → CLOSED). An end nothing is known
/// about is CLOSED; a connection picked up mid-stream is ESTABLISHED on both ends.
public enum TCPState: UInt8, Sendable, Hashable, CustomStringConvertible {
    case closed, listen, synSent, synReceived, established, finWait1, finWait2, closeWait, closing, lastAck, timeWait

    /// The RFC name in upper case with underscores ("SYN_SENT").
    public var description: String { name.description }

    /// `description` as a literal (JSON writes it with no escaping pass).
    @inlinable public var name: StaticString {
        switch self {
        case .closed: return "CLOSED"
        case .listen: return "LISTEN"
        case .synSent: return "SYN_SENT"
        case .synReceived: return "SYN_RECEIVED"
        case .established: return "ESTABLISHED"
        case .finWait1: return "FIN_WAIT_1"
        case .finWait2: return "FIN_WAIT_2"
        case .closeWait: return "CLOSE_WAIT"
        case .closing: return "CLOSING"
        case .lastAck: return "LAST_ACK"
        case .timeWait: return "TIME_WAIT"
        }
    }
}

/// What the RFC-state inference needs to know about one segment.
struct StateInput {
    var flags: TCPFlags
    /// The segment acknowledges the receiver's SYN.
    var acksPeerSYN: Bool
    /// The segment acknowledges the receiver's FIN.
    var acksPeerFIN: Bool
    /// No earlier segment of this connection was seen (so CLOSED means "unknown", not "finished").
    var isFirstSegment: Bool
}

/// Applies one segment from `sender` to `receiver` (see `TCPState` for the rule).
func advance(sender: inout TCPState, receiver: inout TCPState, with input: StateInput) {
    let flags = input.flags
    if flags.contains(.rst) {
        sender = .closed
        receiver = .closed
        return
    }
    if flags.contains(.syn) {
        if flags.contains(.ack) {
            if sender == .closed || sender == .listen || sender == .synSent { sender = .synReceived }
            if receiver == .synSent, input.acksPeerSYN { receiver = .established }
        } else if sender == .closed || sender == .listen {
            sender = .synSent
        }
    } else {
        if input.isFirstSegment {
            // Picked up mid-stream: both ends must already be connected.
            sender = .established
            receiver = .established
        } else if sender == .synSent || sender == .closed && receiver != .closed {
            // The SYN-ACK was missed, but this end is clearly past the handshake.
            sender = .established
        }
    }
    if flags.contains(.ack), !flags.contains(.syn) {
        if receiver == .synReceived, input.acksPeerSYN { receiver = .established }
        if input.acksPeerFIN {
            switch receiver {
            case .finWait1: receiver = .finWait2
            case .closing: receiver = .timeWait
            case .lastAck: receiver = .closed
            default: break
            }
        }
    }
    if flags.contains(.fin) {
        switch sender {
        case .established, .synReceived: sender = .finWait1
        case .closeWait: sender = .lastAck
        default: break
        }
        switch receiver {
        case .established, .synReceived: receiver = .closeWait
        case .finWait1: receiver = .closing
        case .finWait2: receiver = .timeWait
        default: break
        }
    }
}
