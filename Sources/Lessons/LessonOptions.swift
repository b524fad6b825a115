/// Settings of the lessons layer. Every table it keeps has a cap here, so memory follows live flows only.
public struct LessonOptions: Sendable {
    /// `--board IP|MAC`: skips detection.
    public var board: BoardOverride?
    /// Keep ladder rows for this session (nil: no ladder is recorded).
    public var ladder: LadderSelection?
    /// Rows one ladder keeps; later rows are counted in `Ladder.droppedRows`.
    public var maxLadderRows = 2000
    /// Unanswered ARP requests remembered (for `host-unreachable`).
    public var maxPendingARP = 256
    /// DNS answers remembered (to tell a dotted-address getaddrinfo() from a lookup, and for `host-unreachable`).
    public var maxRememberedAnswers = 1024
    /// Listening endpoints remembered (to show socket/bind/listen once per server socket).
    public var maxListeners = 64
    /// Broadcast frames listed in a `capture-blind` finding.
    public var maxBlindFrames = 12
    /// A zero window counts as the program not reading when it lasts this long (or the peer probes it).
    public var zeroWindowNanoseconds: Int64 = 200_000_000
    /// Silence after a response that counts as waiting for the server's keep-alive timeout.
    public var keepAliveGapNanoseconds: Int64 = 1_000_000_000
    /// After a DNS answer, no packet to the address for this long (while the capture goes on) is `host-unreachable`.
    public var unusedAnswerNanoseconds: Int64 = 5_000_000_000
    /// An ARP request unanswered for this long (or asked twice) is `host-unreachable`.
    public var unansweredARPNanoseconds: Int64 = 1_000_000_000

    public init(board: BoardOverride? = nil, ladder: LadderSelection? = nil) {
        self.board = board
        self.ladder = ladder
    }
}
