/// Hand-built Ethernet/IPv4 frames (with real checksums) for the cases the Linux lab cannot record.
struct Host {
    var mac: [UInt8]
    var ip: [UInt8]

    /// The board: Espressif MAC 5c:cf:7f, 192.168.4.2.
    static let board = Host(mac: [0x5c, 0xcf, 0x7f, 0xa1, 0xb2, 0xc3], ip: [192, 168, 4, 2])
    /// A board whose MAC is not Espressif's (a USB Wi-Fi bridge, or a capture past a router).
    static let plainBoard = Host(mac: [0x00, 0x11, 0x22, 0x33, 0x44, 0x55], ip: [192, 168, 4, 2])
    static let server = Host(mac: [0x02, 0, 0, 0, 4, 1], ip: [192, 168, 4, 1])
    static let other = Host(mac: [0x02, 0, 0, 0, 4, 3], ip: [192, 168, 4, 3])
}

enum TCPBits {
    static let fin: UInt8 = 0x01, syn: UInt8 = 0x02, rst: UInt8 = 0x04, psh: UInt8 = 0x08, ack: UInt8 = 0x10
}

enum Craft {
    static func be16(_ v: UInt16) -> [UInt8] { [UInt8(v >> 8), UInt8(v & 0xff)] }
    static func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xff), UInt8((v >> 8) & 0xff), UInt8(v & 0xff)] }

    static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var index = 0
        while index + 1 < bytes.count {
            sum += UInt32(bytes[index]) << 8 | UInt32(bytes[index + 1])
            index += 2
        }
        if index < bytes.count { sum += UInt32(bytes[index]) << 8 }
        while sum > 0xffff { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }

    static func ethernet(_ source: [UInt8], _ destination: [UInt8], type: UInt16, _ payload: [UInt8]) -> [UInt8] {
        var frame = destination + source + be16(type) + payload
        while frame.count < 60 { frame.append(0) }
        return frame
    }

    static func ipv4(_ source: [UInt8], _ destination: [UInt8], proto: UInt8, ttl: UInt8, id: UInt16,
                     _ payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + be16(UInt16(20 + payload.count)) + be16(id) + [0, 0, ttl, proto, 0, 0]
        header += source + destination
        let sum = checksum(header)
        header[10] = UInt8(sum >> 8)
        header[11] = UInt8(sum & 0xff)
        return header + payload
    }

    static func transportChecksum(_ source: [UInt8], _ destination: [UInt8], proto: UInt8, _ segment: [UInt8]) -> UInt16 {
        checksum(source + destination + [0, proto] + be16(UInt16(segment.count)) + segment)
    }

    static func tcp(from: Host, to: Host, sourcePort: UInt16, destinationPort: UInt16, seq: UInt32, ack: UInt32,
                    flags: UInt8, window: UInt16, payload: [UInt8] = [], mss: UInt16? = nil, ttl: UInt8 = 64,
                    id: UInt16 = 1) -> [UInt8] {
        let options: [UInt8] = mss.map { [2, 4] + be16($0) } ?? []
        let offset = UInt8((20 + options.count) / 4) << 4
        var segment = be16(sourcePort) + be16(destinationPort) + be32(seq) + be32(ack) + [offset, flags]
        segment += be16(window) + [0, 0, 0, 0] + options + payload
        let sum = transportChecksum(from.ip, to.ip, proto: 6, segment)
        segment[16] = UInt8(sum >> 8)
        segment[17] = UInt8(sum & 0xff)
        return ethernet(from.mac, to.mac, type: 0x0800, ipv4(from.ip, to.ip, proto: 6, ttl: ttl, id: id, segment))
    }

    static func udp(from: Host, to: Host, sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8],
                    destinationMAC: [UInt8]? = nil, destinationIP: [UInt8]? = nil, sourceIP: [UInt8]? = nil,
                    ttl: UInt8 = 64) -> [UInt8] {
        let sourceAddress = sourceIP ?? from.ip
        let destinationAddress = destinationIP ?? to.ip
        var segment = be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
        let sum = transportChecksum(sourceAddress, destinationAddress, proto: 17, segment)
        segment[6] = UInt8(sum >> 8)
        segment[7] = UInt8(sum & 0xff)
        return ethernet(from.mac, destinationMAC ?? to.mac, type: 0x0800,
                        ipv4(sourceAddress, destinationAddress, proto: 17, ttl: ttl, id: 1, segment))
    }

    static func arp(op: UInt16, senderMAC: [UInt8], senderIP: [UInt8], targetMAC: [UInt8], targetIP: [UInt8],
                    destinationMAC: [UInt8] = [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]) -> [UInt8] {
        let body: [UInt8] = [0, 1, 8, 0, 6, 4] + be16(op) + senderMAC + senderIP + targetMAC + targetIP
        return ethernet(senderMAC, destinationMAC, type: 0x0806, body)
    }

    /// A DNS query (or, with `answer`/`rcode`, a response) for `name`, type A.
    static func dns(id: UInt16, name: String, response: Bool = false, rcode: UInt8 = 0, answer: [UInt8]? = nil) -> [UInt8] {
        var flags: UInt16 = 0x0100
        if response { flags |= 0x8080 | UInt16(rcode) }
        var message = be16(id) + be16(flags) + be16(1) + be16(answer == nil ? 0 : 1) + be16(0) + be16(0)
        for label in name.split(separator: ".") {
            message.append(UInt8(label.utf8.count))
            message += Array(label.utf8)
        }
        message += [0] + be16(1) + be16(1)
        if let answer { message += [0xc0, 12] + be16(1) + be16(1) + be32(60) + be16(4) + answer }
        return message
    }

    /// A DHCP DISCOVER from `mac` with option 12 = `hostname`.
    static func dhcpDiscover(mac: [UInt8], hostname: String) -> [UInt8] {
        var message: [UInt8] = [1, 1, 6, 0] + be32(0xabcd0001) + [0, 0, 0, 0] + [UInt8](repeating: 0, count: 16)
        message += mac + [UInt8](repeating: 0, count: 10) + [UInt8](repeating: 0, count: 192)
        message += [99, 130, 83, 99, 53, 1, 1, 12, UInt8(hostname.utf8.count)] + Array(hostname.utf8) + [255]
        return udp(from: Host(mac: mac, ip: [0, 0, 0, 0]), to: Host(mac: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
                                                                   ip: [255, 255, 255, 255]),
                   sourcePort: 68, destinationPort: 67, payload: message)
    }
}

/// Builds one TCP connection between the board and a peer, keeping sequence numbers and time.
struct TCPScript {
    var board = Host.board
    var peer = Host.server
    var boardPort: UInt16 = 4123
    var peerPort: UInt16 = 80
    var boardSeq: UInt32 = 6509
    var peerSeq: UInt32 = 100_000
    var time: Int64 = 1_700_000_000_000_000_000
    var frames: [RawFrame] = []
    var boardWindow: UInt16 = 2144

    init(board: Host = .board, peer: Host = .server, boardPort: UInt16 = 4123, peerPort: UInt16 = 80) {
        self.board = board
        self.peer = peer
        self.boardPort = boardPort
        self.peerPort = peerPort
    }

    /// The board sends; `after` seconds after the previous frame.
    mutating func fromBoard(_ flags: UInt8, _ payload: [UInt8] = [], after: Double = 0.001, ack: Bool = true) {
        time += Int64(after * 1e9)
        let syn = flags & TCPBits.syn != 0
        let bytes = Craft.tcp(from: board, to: peer, sourcePort: boardPort, destinationPort: peerPort, seq: boardSeq,
                              ack: flags & TCPBits.ack != 0 ? peerSeq : 0, flags: flags, window: boardWindow,
                              payload: payload, mss: syn ? 536 : nil, ttl: 255)
        frames.append(RawFrame(bytes: bytes, timeNanoseconds: time))
        boardSeq &+= UInt32(payload.count) + (syn ? 1 : 0) + (flags & TCPBits.fin != 0 ? 1 : 0)
    }

    /// The peer sends.
    mutating func fromPeer(_ flags: UInt8, _ payload: [UInt8] = [], after: Double = 0.001) {
        time += Int64(after * 1e9)
        let syn = flags & TCPBits.syn != 0
        let bytes = Craft.tcp(from: peer, to: board, sourcePort: peerPort, destinationPort: boardPort, seq: peerSeq,
                              ack: flags & TCPBits.ack != 0 ? boardSeq : 0, flags: flags, window: 64240,
                              payload: payload, mss: syn ? 1460 : nil)
        frames.append(RawFrame(bytes: bytes, timeNanoseconds: time))
        peerSeq &+= UInt32(payload.count) + (syn ? 1 : 0) + (flags & TCPBits.fin != 0 ? 1 : 0)
    }

    /// The board connects to the peer (three-way handshake).
    mutating func connect() {
        fromBoard(TCPBits.syn)
        fromPeer(TCPBits.syn | TCPBits.ack)
        fromBoard(TCPBits.ack)
    }

    /// The peer connects to the board.
    mutating func accept() {
        fromPeer(TCPBits.syn)
        fromBoard(TCPBits.syn | TCPBits.ack)
        fromPeer(TCPBits.ack)
    }

    /// An HTTP exchange from the board with a response and the server closing first, then the board's FIN.
    mutating func httpExchange(request: String, response: String) {
        fromBoard(TCPBits.psh | TCPBits.ack, Array(request.utf8))
        fromPeer(TCPBits.ack)
        fromPeer(TCPBits.psh | TCPBits.ack, Array(response.utf8))
        fromBoard(TCPBits.ack)
        fromPeer(TCPBits.fin | TCPBits.ack)
        fromBoard(TCPBits.fin | TCPBits.ack)
        fromPeer(TCPBits.ack)
    }
}
