/// What went wrong, by name. The raw values are the JSON `diagnosis[].id`; outside tools rely on them.
public enum FindingID: String, Sendable, Hashable, CaseIterable {
    case refused
    case noAnswer = "no-answer"
    case hostUnreachable = "host-unreachable"
    case dnsFailure = "dns-failure"
    case connectionReset = "connection-reset"
    case boardReset = "board-reset"
    case zeroWindow = "zero-window"
    case retransmissions
    case keepAliveWait = "keep-alive-wait"
    case chunked
    case badRequest = "bad-request"
    case acceptOverflow = "accept-overflow"
    case httpError = "http-error"
    case captureBlind = "capture-blind"
}

/// One diagnosis: the JSON object `{id, frames, error, cause, advice}` (plus `lesson`). Findings are rare, so their
/// text is built when they are made. Text may quote names from the network: escape before printing.
public struct Finding: Sendable, Hashable {
    public var id: FindingID
    /// The session it is about (nil for capture-wide findings).
    public var session: Int?
    /// The frames that show it, in order (at most `Finding.maxFrames`).
    public var frames: [Int]
    /// What the program saw in MicroPython on the ESP8266 (e.g. "OSError: [Errno 104] ECONNRESET").
    public var error: String
    /// The likely cause.
    public var cause: String
    /// What to try.
    public var advice: String
    /// The comparison with the tutorial ("the tutorial expects …; here …").
    public var lesson: String

    /// Frames listed per finding at most.
    public static let maxFrames = 12

    public init(id: FindingID, session: Int?, frames: [Int], error: String, cause: String, advice: String,
                lesson: String) {
        self.id = id
        self.session = session
        self.frames = Array(frames.prefix(Self.maxFrames))
        self.error = error
        self.cause = cause
        self.advice = advice
        self.lesson = lesson
    }
}

/// The errors the ESP8266 port raises (modlwip.c error table; docs/ESP8266.md §1 and §4).
public enum MicroPythonError {
    public static let econnreset = "OSError: [Errno 104] ECONNRESET"
    public static let econnaborted = "OSError: [Errno 103] ECONNABORTED"
    public static let etimedout = "OSError: [Errno 110] ETIMEDOUT"
    public static let ehostunreach = "OSError: [Errno 113] EHOSTUNREACH"
    /// A raw lwIP value, not an errno (MP #3352).
    public static let dnsFailed = "OSError: -2"
}
