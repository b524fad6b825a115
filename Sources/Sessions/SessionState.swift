/// What every tracked session shares: identity, timing and its place in the idle lists.
class SessionState {
    let id: Int
    let key: FlowKey
    /// The client's endpoint is `key.low` when true.
    var clientIsLow: Bool
    var clientGuessed: Bool
    let firstFrame: Int
    let startTime: Int64
    var lastFrame: Int
    var lastTime: Int64
    var frameCount = 0
    var packets = DirectionCounts()
    var wireBytes = DirectionCounts()
    var dns: [DNSTransaction] = []
    /// Index into `dns` of the query awaiting an answer, by DNS id.
    var pendingDNS: [UInt16: Int] = [:]
    /// Query times by DNS id, for latency.
    var dnsQueryTimes: [UInt16: Int64] = [:]
    var anomalies: [String] = []
    var dnsLookup: DNSLink?

    /// Links of the idle list the session is in. Not counted references: the table's `FlowTable` keeps every
    /// linked session alive (`SessionTable.remove` unlinks a session before it can go), and moving a session to
    /// the end of its list on every frame cost ten atomic reference-count operations on three sessions.
    /// `Unmanaged` rather than `unowned(unsafe)`: reading one of those made a counted reference again (a retain
    /// and a release per link read, about seven per move).
    var older: Unmanaged<SessionState>?
    var newer: Unmanaged<SessionState>?
    var list: IdleListKind = .open

    init(id: Int, key: FlowKey, clientIsLow: Bool, clientGuessed: Bool, frame: Int, time: Int64) {
        self.id = id
        self.key = key
        self.clientIsLow = clientIsLow
        self.clientGuessed = clientGuessed
        self.firstFrame = frame
        self.startTime = time
        self.lastFrame = frame
        self.lastTime = time
    }

    var client: Endpoint { clientIsLow ? key.low : key.high }
    var server: Endpoint { clientIsLow ? key.high : key.low }

    func direction(sourceIsLow: Bool) -> Direction { sourceIsLow == clientIsLow ? .clientToServer : .serverToClient }

    /// Counts one frame of the session: frame `number` at packet time `time`, from `direction`'s sender, with
    /// `payloadBytes` of payload.
    func countFrame(_ number: Int, time: Int64, direction: Direction, payloadBytes: Int64) {
        frameCount += 1
        lastFrame = number
        lastTime = time
        // Whole values stored back: `packets[direction] += 1` (a modify through the subscript) kept a runtime
        // exclusivity check on every frame.
        packets = packets.adding(1, to: direction)
        wireBytes = wireBytes.adding(payloadBytes, to: direction)
    }

    func note(_ anomaly: String) {
        if !anomalies.contains(anomaly) { anomalies.append(anomaly) }
    }
}

/// Which idle list a session is on; each list has one timeout, so expiry walks only expired sessions.
enum IdleListKind: Int {
    case open = 0, closed = 1, udp = 2
}

/// A doubly-linked list of sessions, least recently active first.
struct IdleList {
    /// The ends of the list, uncounted like the links (see `SessionState.older`).
    private var oldestLink: Unmanaged<SessionState>?
    private var newestLink: Unmanaged<SessionState>?
    private(set) var count = 0

    /// The least recently active session.
    var oldest: SessionState? { oldestLink?.takeUnretainedValue() }

    /// Whether the least recently active session has been idle longer than `timeout` at `now`. Asked for every
    /// frame: it reads the session in place, where taking it out as `oldest` is a retain and a release.
    func oldestIdle(longerThan timeout: Int64, at now: Int64) -> Bool {
        guard let oldestLink else { return false }
        return oldestLink._withUnsafeGuaranteedRef { now - $0.lastTime > timeout }
    }

    mutating func append(_ session: SessionState) {
        let link = Unmanaged.passUnretained(session)
        session.older = newestLink
        session.newer = nil
        newestLink?._withUnsafeGuaranteedRef { $0.newer = link }
        newestLink = link
        if oldestLink == nil { oldestLink = link }
        count += 1
    }

    mutating func remove(_ session: SessionState) {
        let older = session.older, newer = session.newer
        if let older { older._withUnsafeGuaranteedRef { $0.newer = newer } } else { oldestLink = newer }
        if let newer { newer._withUnsafeGuaranteedRef { $0.older = older } } else { newestLink = older }
        session.older = nil
        session.newer = nil
        count -= 1
    }

    /// Marks the session as just active.
    mutating func touch(_ session: SessionState) {
        guard newestLink?.toOpaque() != Unmanaged.passUnretained(session).toOpaque() else { return }
        remove(session)
        append(session)
    }
}

/// The live sessions by flow key, each on the idle list of its kind. One value, so that a frame finds and touches
/// its session in one access (the tracker keeps it in a class, where each access is checked at run time).
struct SessionTable {
    private var byKey = FlowTable()
    private var lists = [IdleList(), IdleList(), IdleList()]

    var count: Int { byKey.count }
    /// Every live session, in no particular order.
    var all: [SessionState] { byKey.all }

    /// The session of `key`, marked as just active.
    mutating func touch(_ key: FlowKey) -> SessionState? {
        guard let session = byKey.session(for: key) else { return nil }
        lists[session.list.rawValue].touch(session)
        return session
    }

    /// Adds a new session, the most recently active of its kind.
    mutating func insert(_ session: SessionState, on kind: IdleListKind) {
        byKey.insert(session)
        session.list = kind
        lists[kind.rawValue].append(session)
    }

    /// Moves a session to the end of another idle list (a TCP connection that closed).
    mutating func move(_ session: SessionState, to kind: IdleListKind) {
        lists[session.list.rawValue].remove(session)
        session.list = kind
        lists[kind.rawValue].append(session)
    }

    mutating func remove(_ session: SessionState) {
        byKey.remove(session.key)
        lists[session.list.rawValue].remove(session)
    }

    /// The least recently active session of `kind`.
    func oldest(_ kind: IdleListKind) -> SessionState? { lists[kind.rawValue].oldest }

    /// Whether the least recently active session of `kind` has been idle longer than `timeout` at `now`.
    func oldestIdle(_ kind: IdleListKind, longerThan timeout: Int64, at now: Int64) -> Bool {
        lists[kind.rawValue].oldestIdle(longerThan: timeout, at: now)
    }

    /// The least recently active session of all (the first list's on a tie).
    var longestIdle: SessionState? {
        var victim: SessionState?
        for list in lists {
            if let candidate = list.oldest, victim.map({ candidate.lastTime < $0.lastTime }) ?? true {
                victim = candidate
            }
        }
        return victim
    }
}
