import Wire

/// The plain-words sentences of steps. Called only when a step is rendered.
enum StepText {
    static func explanation(for step: Step) -> String {
        let me = myName(step)
        let peer = peerName(step)
        // The sender and the receiver of this frame.
        let sender = step.fromBoard ? me : peer
        let receiver = step.fromBoard ? peer : me
        let recvCall = step.role == .server ? "cl.recv()" : "s.recv(100)"
        switch step.event {
        case .noPackets:
            switch step.id {
            case .create:
                return "socket.socket() only sets up a socket inside the board's memory: it sends nothing."
            case .bind:
                return "s.bind(addr) only reserves the port on the board: it sends nothing."
            case .listen:
                return "s.listen(1) tells the board's stack to answer connections on this port: it sends nothing; "
                    + "the next frames are a client connecting."
            case .dnsLookup:
                return "socket.getaddrinfo() with a dotted address (like '192.168.4.1' or '0.0.0.0') is answered "
                    + "on the board itself: it sends nothing."
            default:
                return "\(step.call ?? "this call") sends nothing."
            }

        case .syn(let attempt):
            if step.role == .server {
                let base = "a client asks the board to open a connection: SYN, 1 of 3 handshake packets; the board's "
                    + "stack answers by itself, before s.accept() runs"
                return attempt > 1 ? "the client asks again (try \(attempt)): its earlier SYN got no answer." : base + "."
            }
            if attempt > 1 {
                return "\(sender) asks again (try \(attempt)): its SYN got no answer yet, so it is resent until "
                    + "connect() gives up."
            }
            return "\(sender) asks \(receiver) to open a connection: SYN, 1 of 3 handshake packets."
        case .synAck(let attempt):
            let again = attempt > 1 ? " (sent again)" : ""
            if step.role == .server {
                return "the board's stack agrees\(again): SYN-ACK, 2 of 3 handshake packets, sent before s.accept() "
                    + "is called."
            }
            return "\(sender) agrees\(again): SYN-ACK, 2 of 3 handshake packets."
        case .handshakeACK:
            if step.role == .server {
                return "the client confirms: ACK, 3 of 3; the connection now waits in the listen queue until "
                    + "s.accept() takes it."
            }
            return "\(sender) confirms: ACK, 3 of 3; connect() returns."
        case .refused:
            if step.role == .server {
                return "the board refuses the connection with RST: nothing listens on that port, or its accept queue "
                    + "is full."
            }
            return "\(sender) refuses: an RST answers the SYN because nothing listens on that port; connect() fails "
                + "(OSError 104 ECONNRESET on the ESP8266)."

        case .data(let bytes, let first, let retransmission, let http):
            var text = "\(sender) sends \(bytes) byte\(bytes == 1 ? "" : "s")"
            if let http {
                if http.isRequest {
                    text += ": the HTTP request \(http.method ?? "") \(http.uri ?? "") \(http.version)"
                } else if let status = http.status {
                    text += ": the start of the HTTP response (\(http.version) \(status))"
                }
            }
            if retransmission { text += ", again: the first copy was lost or not acknowledged in time" }
            if step.fromBoard {
                return text + "."
            }
            text += "; they wait in the board's buffer until \(recvCall) reads them"
            if first, step.role == .client {
                text += ". s.recv(100) hands them out at most 100 bytes at a time; that chunking never shows on "
                    + "the wire"
            }
            return text + "."
        case .ack(let window):
            if step.fromBoard {
                return "\(sender) acknowledges the data it received; its buffer has room for \(window) more bytes."
            }
            return "\(sender) acknowledges the data \(receiver) sent."
        case .zeroWindow:
            if step.fromBoard {
                return "\(sender)'s receive buffer is full (window 0): the program has not called recv() to read what "
                    + "arrived, so \(receiver) must wait."
            }
            return "\(sender)'s receive buffer is full (window 0): \(receiver) must wait before sending more."
        case .windowUpdate(let window):
            return "\(sender) has read data, so it reopens its window: room for \(window) bytes."
        case .probe:
            return "\(sender) checks whether \(receiver)'s window has reopened (a probe): it has more to send."

        case .fin(let bytes, let first):
            let data = bytes > 0 ? " with the last \(bytes) byte\(bytes == 1 ? "" : "s")" : ""
            if step.fromBoard {
                let call = step.role == .server ? "cl.close()" : "s.close()"
                return first
                    ? "\(sender) closes first: \(call) sends a FIN\(data)."
                    : "\(sender) closes its side too: \(call) sends a FIN\(data)."
            }
            if first {
                return "\(sender) closes first: a FIN\(data), it has sent everything; \(recvCall) returns b'' once "
                    + "the buffer is read."
            }
            return "\(sender) closes its side too: a FIN\(data)."
        case .finACK:
            return "\(sender) acknowledges \(receiver)'s FIN."
        case .reset:
            if step.fromBoard {
                return "\(sender) aborts the connection with RST instead of a FIN: close() was called while received "
                    + "data was still unread (or the stack gave up)."
            }
            return "\(sender) aborts the connection with RST: the board's next recv() or send() raises OSError 104 "
                + "ECONNRESET."

        case .datagram(let bytes):
            if step.fromBoard {
                return "\(sender) sends one \(bytes)-byte datagram: one sendto() is one datagram, with no handshake."
            }
            return "\(sender) sends one \(bytes)-byte datagram; s.recvfrom() returns it with the sender's address."

        case .dnsQuery(let name, let attempt):
            let again = attempt > 1 ? " again (no answer yet)" : ""
            return "\(sender) asks the DNS server\(again) for the address of \(name) (a type A query)."
        case .dnsAnswer(let name, let rcode, let address, let count):
            if rcode == 0, let address {
                let more = count > 1 ? " (and \(count - 1) more)" : ""
                return "the DNS server answers: \(name) is \(address)\(more); getaddrinfo() returns it."
            }
            if rcode == 3 {
                return "the DNS server answers NXDOMAIN: \(name) does not exist; getaddrinfo() raises OSError -2."
            }
            if rcode == 0 {
                return "the DNS server answers with no address for \(name); getaddrinfo() raises OSError -2."
            }
            return "the DNS server answers \(DNSMessage.rcodeName(rcode)) for \(name); getaddrinfo() raises OSError -2."

        case .dhcp(let type, let hostname, let offered):
            let address = offered.map { " \($0)" } ?? ""
            switch type {
            case 1:
                let name = hostname.map { ", calling itself \($0)" } ?? ""
                return "\(sender) looks for a DHCP server to get an address (DISCOVER)\(name)."
            case 2: return "the DHCP server offers the address\(address) (OFFER)."
            case 3: return "\(sender) asks for the offered address (REQUEST)."
            case 5: return "the DHCP server confirms: the board may use\(address) (ACK); isconnected() turns true."
            case 6: return "the DHCP server refuses the request (NAK); the board starts over."
            default: return "a DHCP \(DHCPMessage.messageTypeName(type)) message."
            }
        case .arp(let kind, let target, let senderIP):
            switch kind {
            case .probe:
                return "\(sender) checks that nobody else uses \(target) before taking it (ARP probe)."
            case .gratuitous:
                return "\(sender) announces that it now uses \(target) (gratuitous ARP)."
            case .request:
                if step.fromBoard, step.boardKnown {
                    return "\(sender) asks which MAC address has \(target) (ARP) before it can send its first packet "
                        + "there; no Python call does this directly."
                }
                return "\(senderIP) asks for the MAC address of \(target) (ARP)."
            case .reply:
                return "\(senderIP) answers with its MAC address (ARP reply)."
            case .other:
                return "an ARP message."
            }
        case .unrelated(let why):
            return "not part of the lesson: \(why.rawValue)."
        }
    }

    /// The side the lesson follows.
    static func myName(_ step: Step) -> String {
        if step.boardKnown { return "the board" }
        switch step.role {
        case .server: return "the server"
        case .client, .udp: return "the client"
        case .network: return "the device"
        }
    }

    /// The other side.
    static func peerName(_ step: Step) -> String {
        switch step.role {
        case .client: return "the server"
        case .server: return "the client"
        case .udp: return "the peer"
        case .network: return "the network"
        }
    }
}
