/// One line of a ladder (sequence) diagram: an arrow for a frame, or a note for an inferred, packet-less call.
public struct LadderRow: Sendable, Hashable {
    /// Frame number; nil for a note.
    public var frame: Int?
    public var timeNanoseconds: Int64
    /// The arrow points from the board (left) to the peer (right).
    public var fromBoard: Bool
    /// "SYN", "SYN,ACK", "PSH,ACK", "UDP"…
    public var flags: String
    /// Relative sequence and acknowledgement numbers (Wireshark's), when the frame is TCP.
    public var sequence: UInt32?
    public var acknowledgement: UInt32?
    /// Payload bytes.
    public var length: Int
    /// Advertised window (TCP).
    public var window: Int?
    public var step: StepID
    public var stepNumber: Int?
    /// For a note: the call and what it (does not) send.
    public var note: String?

    public init(frame: Int?, timeNanoseconds: Int64, fromBoard: Bool, flags: String, sequence: UInt32?,
                acknowledgement: UInt32?, length: Int, window: Int?, step: StepID, stepNumber: Int?,
                note: String? = nil) {
        self.frame = frame
        self.timeNanoseconds = timeNanoseconds
        self.fromBoard = fromBoard
        self.flags = flags
        self.sequence = sequence
        self.acknowledgement = acknowledgement
        self.length = length
        self.window = window
        self.step = step
        self.stepNumber = stepNumber
        self.note = note
    }

    public var isNote: Bool { frame == nil }

    /// "SYN seq=0 ack=0 len=0"-style label (without the step), shortest form first: zero length is left out.
    public var label: String {
        var text = flags
        if let sequence { text += " seq=\(sequence)" }
        if let acknowledgement { text += " ack=\(acknowledgement)" }
        if length > 0 || sequence == nil { text += " len=\(length)" }
        if let window, window == 0 { text += " win=0" }
        return text
    }

    /// "connect", "send 3"… : the step id and its tutorial number.
    public var stepLabel: String {
        if let stepNumber { return "\(stepNumber) \(step.rawValue)" }
        return step.rawValue
    }
}

/// One session's ladder: who is on each side and the rows, in capture order.
public struct Ladder: Sendable, Hashable {
    public var session: Int
    /// Left column heading, e.g. "board 192.168.4.2:7134".
    public var boardLabel: String
    /// Right column heading, e.g. "server 192.168.4.1:80".
    public var peerLabel: String
    public var rows: [LadderRow]
    /// Rows left out because the ladder reached `LessonOptions.maxLadderRows`.
    public var droppedRows: Int
    /// Time of the session's first frame (for relative times).
    public var startNanoseconds: Int64

    public init(session: Int, boardLabel: String, peerLabel: String, rows: [LadderRow], droppedRows: Int,
                startNanoseconds: Int64) {
        self.session = session
        self.boardLabel = boardLabel
        self.peerLabel = peerLabel
        self.rows = rows
        self.droppedRows = droppedRows
        self.startNanoseconds = startNanoseconds
    }
}

/// Which session the tracker keeps ladder rows for.
public enum LadderSelection: Sendable, Hashable {
    /// Session number N (as `sessions` prints it).
    case session(Int)
    /// The first TCP session that involves the board (or any, with no board).
    case firstTCP
}
