import Wire

/// The tutorial step a frame belongs to. The raw values are what `read --format json` prints as `step.id`;
/// outside tools rely on them.
public enum StepID: String, Sendable, Hashable, CaseIterable {
    case dnsLookup = "dns-lookup"
    case create, connect, bind, listen, accept, send, recv, close, sendto, recvfrom
    case wifiJoin = "wifi-join"
    case other

    /// By case, not by raw value (see `hashCase`).
    public func hash(into hasher: inout Hasher) { hashCase(into: &hasher) }
}

/// Which lesson a step belongs to: the board as TCP client or server, UDP, or the network setup around them.
public enum StepRole: String, Sendable, Hashable, CaseIterable {
    case client, server, udp, network

    /// By case, as `StepID`.
    public func hash(into hasher: inout Hasher) { hashCase(into: &hasher) }
}

extension CaseIterable where Self: Equatable {
    /// Hashes the case's position among `allCases`. Enums with `String` raw values otherwise hash their raw
    /// string (`RawRepresentable`'s default), and steps are hashed while `StepJSONCache` looks them up.
    func hashCase(into hasher: inout Hasher) {
        var position = 0
        for candidate in Self.allCases {
            if candidate == self { break }
            position += 1
        }
        hasher.combine(position)
    }
}

/// What one frame (or one inferred, packet-less call) does, in the terms its explanation needs. Text is built
/// only when asked for (`Step.explanation`), so the per-frame path stores a few numbers.
public enum StepEvent: Sendable, Hashable {
    /// A call that sends nothing (inferred): socket(), bind(), listen(), getaddrinfo() of a dotted address.
    case noPackets
    /// The connecting side's SYN; `attempt` 1 is the first, 2… are retries.
    case syn(attempt: Int)
    case synAck(attempt: Int)
    /// The ACK that completes the handshake.
    case handshakeACK
    /// An RST answering a SYN: the port is closed.
    case refused
    /// Payload; `first` marks the first payload in this direction, `http` a request or status line at its start.
    case data(bytes: Int, first: Bool, retransmission: Bool, http: HTTPLine?)
    /// A pure ACK of the other side's data.
    case ack(window: Int)
    /// A pure ACK advertising a zero window.
    case zeroWindow
    /// A pure ACK that only reopens the window.
    case windowUpdate(window: Int)
    /// The other side's probe (keep-alive or zero-window probe) while this side's window is shut.
    case probe
    /// A FIN, possibly with the last data; `first` when it is the first FIN of the connection.
    case fin(bytes: Int, first: Bool)
    /// The ACK of the other side's FIN (nothing else in the segment).
    case finACK
    /// An RST after the handshake.
    case reset
    /// A UDP datagram.
    case datagram(bytes: Int)
    /// A DNS query for `name`; `attempt` 2… are resends.
    case dnsQuery(name: String, attempt: Int)
    /// A DNS answer: `addresses` A/AAAA records, `rcode` the response code.
    case dnsAnswer(name: String, rcode: UInt8, firstAddress: IPAddress?, addresses: Int)
    /// DHCP: message type (1 DISCOVER … 5 ACK) and the hostname it carried.
    case dhcp(type: UInt8, hostname: String?, offered: IPAddress?)
    /// ARP of the given kind; `target` is the address asked about or announced.
    case arp(ARPPacket.Kind, target: IPAddress, sender: IPAddress)
    /// Nothing to do with the lesson; `why` is a short reason.
    case unrelated(why: UnrelatedReason)
}

/// Why a frame is `other`.
public enum UnrelatedReason: String, Sendable, Hashable, CaseIterable {
    /// The board is known and this traffic is between other hosts.
    case notBoard = "not the board's traffic"
    /// Not TCP, UDP, DNS, DHCP or ARP (ICMP, IPv6 neighbour discovery, LLDP…).
    case notALesson = "not part of a socket lesson"
    /// mDNS, SSDP, NetBIOS and other service chatter.
    case chatter = "service-discovery chatter"
    /// The frame did not decode far enough.
    case undecoded = "not decoded"

    /// By case, as `StepID`.
    public func hash(into hasher: inout Hasher) { hashCase(into: &hasher) }
}

/// An HTTP start line at the start of a payload (just enough to explain it).
public struct HTTPLine: Sendable, Hashable {
    public var isRequest: Bool
    public var method: String?
    public var uri: String?
    public var status: Int?
    public var version: String
}

/// One frame's place in the tutorial: the JSON `step` object of `read --format json`.
public struct Step: Sendable, Hashable {
    /// Session number from `SessionTracker` (nil for ARP and other frames outside TCP/UDP sessions).
    public var session: Int?
    public var role: StepRole
    public var id: StepID
    public var event: StepEvent
    /// The sender is the board (or, with no board identified, the side the lesson follows).
    public var fromBoard: Bool
    /// A board was identified (changes "the board" into "the client"/"the server" when false).
    public var boardKnown: Bool
    /// An inferred line: the call must have happened here but sent nothing.
    public var inferred: Bool

    public init(session: Int?, role: StepRole, id: StepID, event: StepEvent, fromBoard: Bool, boardKnown: Bool,
                inferred: Bool = false) {
        self.session = session
        self.role = role
        self.id = id
        self.event = event
        self.fromBoard = fromBoard
        self.boardKnown = boardKnown
        self.inferred = inferred
    }

    /// The tutorial's step number, or nil (DNS, Wi-Fi, other).
    /// TCP client: 1 create, 2 connect, 3 send and receive, then close. TCP server: 1 create, 2 bind, 3 listen,
    /// 4 accept, 5 send and receive, then close. UDP: 1 create, 2 sendto, 3 recvfrom.
    public var number: Int? {
        switch (role, id) {
        case (.client, .create): return 1
        case (.client, .connect): return 2
        case (.client, .send), (.client, .recv), (.client, .close): return 3
        case (.server, .create): return 1
        case (.server, .bind): return 2
        case (.server, .listen): return 3
        case (.server, .accept): return 4
        case (.server, .send), (.server, .recv), (.server, .close): return 5
        case (.udp, .create): return 1
        case (.udp, .bind), (.udp, .sendto): return 2
        case (.udp, .recvfrom), (.udp, .close): return 3
        default: return nil
        }
    }

    /// Short title of the step.
    public var title: String {
        switch id {
        case .dnsLookup: return "look up the server's address"
        case .create: return "create a socket"
        case .connect: return "connect to the server address"
        case .bind: return "bind the socket to a port"
        case .listen: return "listen for connections"
        case .accept: return "accept a connection"
        case .send: return "send data"
        case .recv: return "receive data"
        case .close: return "close the connection"
        case .sendto: return "send a datagram"
        case .recvfrom: return "receive a datagram"
        case .wifiJoin: return "join the Wi-Fi network"
        case .other: return "not part of the lesson"
        }
    }

    /// The MicroPython call that caused the frame (nil for `other`).
    public var call: String? {
        let server = role == .server
        switch id {
        case .dnsLookup: return "socket.getaddrinfo(host, port)"
        case .create: return role == .udp ? "socket.socket(socket.AF_INET, socket.SOCK_DGRAM)" : "socket.socket()"
        case .connect: return "s.connect(addr)"
        case .bind: return "s.bind(addr)"
        case .listen: return "s.listen(1)"
        case .accept: return "s.accept()"
        case .send: return server ? "cl.send(...)" : "s.send(...)"
        case .recv: return server ? "cl.recv(...)" : "s.recv(100)"
        case .close: return role == .udp ? "s.close()" : server ? "cl.close()" : "s.close()"
        case .sendto: return "s.sendto(...)"
        case .recvfrom: return "s.recvfrom(...)"
        case .wifiJoin: return "wlan.connect(...)"
        case .other: return nil
        }
    }

    /// One plain sentence (ending with a period) saying what the frame does. Built on demand. Names from the
    /// network (DNS names, hostnames, URIs) are included as is: escape before printing to a terminal.
    public var explanation: String { StepText.explanation(for: self) }
}

/// What `LessonTracker.process` says about one frame.
public struct FrameLesson: Sendable {
    /// The frame's own step.
    public var step: Step
    /// Calls that sent nothing but must have happened just before this frame, in order (shown as inferred lines).
    public var inferred: [Step]

    public init(step: Step, inferred: [Step] = []) {
        self.step = step
        self.inferred = inferred
    }
}
