import Testing
import Wire
@testable import Sessions

/// SplitMix64: a small seeded generator so property tests replay exactly.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }
}

let clientAddress = IPAddress.v4(0x0a00_0002)  // 10.0.0.2
let serverAddress = IPAddress.v4(0x0a00_0001)  // 10.0.0.1

/// Drives a SessionTracker with hand-built frames between a client (10.0.0.2:40000) and a server (10.0.0.1:80).
final class Harness {
    let tracker: SessionTracker
    var number = 0
    var time: Int64 = 1_700_000_000_000_000_000
    var streams: [Int: [Direction: [UInt8]]] = [:]
    var gaps: [Int: [(offset: Int64, length: Int64)]] = [:]
    var ended: [SessionSummary] = []
    var clientPort: UInt16 = 40000
    var serverPort: UInt16 = 80

    init(options: SessionOptions = SessionOptions(), collectEnded: Bool = false) {
        tracker = SessionTracker(options: options)
        tracker.onStreamData = { [unowned self] id, direction, chunk in
            switch chunk {
            case .data(let bytes, _, _): self.streams[id, default: [:]][direction, default: []].append(contentsOf: bytes)
            case .gap(let length, let offset, _): self.gaps[id, default: []].append((offset, length))
            case .end: break
            }
        }
        if collectEnded { tracker.onSessionEnd = { [unowned self] in self.ended.append($0) } }
    }

    /// Sends one TCP segment; `fromClient` picks the direction. Time advances by `after` milliseconds first.
    @discardableResult
    func tcp(_ fromClient: Bool, seq: UInt32, ack: UInt32 = 0, _ flags: TCPFlags, window: UInt16 = 1000,
             payload: [UInt8] = [], after milliseconds: Double = 1, options: TCPOptions = TCPOptions()) -> FrameAnnotation {
        time += Int64(milliseconds * 1_000_000)
        number += 1
        var frame = DecodedFrame(linkType: 1)
        frame.sourceIP = fromClient ? clientAddress : serverAddress
        frame.destinationIP = fromClient ? serverAddress : clientAddress
        frame.ttl = 64
        frame.tcp = TCPHeader(sourcePort: fromClient ? clientPort : serverPort,
                              destinationPort: fromClient ? serverPort : clientPort, sequenceNumber: seq,
                              acknowledgementNumber: ack, headerLength: 20, flags: flags, window: window, checksum: 0,
                              urgentPointer: 0, options: options)
        frame.payloadOffset = 0
        frame.payloadLength = payload.count
        return tracker.process(frame, bytes: payload, number: number, timeNanoseconds: time)
    }

    /// Sends one UDP datagram, optionally carrying a decoded DNS message.
    @discardableResult
    func udp(from source: (IPAddress, UInt16), to destination: (IPAddress, UInt16), length: Int = 10,
             dns: DNSMessage? = nil, after milliseconds: Double = 1) -> FrameAnnotation {
        time += Int64(milliseconds * 1_000_000)
        number += 1
        var frame = DecodedFrame(linkType: 1)
        frame.sourceIP = source.0
        frame.destinationIP = destination.0
        frame.udp = UDPHeader(sourcePort: source.1, destinationPort: destination.1, length: UInt16(8 + length),
                              checksum: 0)
        frame.payloadLength = length
        frame.dns = dns
        return tracker.process(frame, bytes: [UInt8](repeating: 0, count: length), number: number, timeNanoseconds: time)
    }

    /// The three-way handshake with client ISN 1000 and server ISN 5000 (RTT `rtt` ms).
    func handshake(rtt: Double = 10) {
        tcp(true, seq: 1000, .syn)
        tcp(false, seq: 5000, ack: 1001, [.syn, .ack], after: rtt / 2)
        tcp(true, seq: 1001, ack: 5001, .ack, after: rtt / 2)
    }

    func finish() -> [SessionSummary] {
        let flushed = tracker.finish()
        return tracker.onSessionEnd == nil ? flushed : ended
    }
}

/// A board and its DNS resolver, and the DNS messages between them, for the DNS tests.
protocol DNSFixtures {}

extension DNSFixtures {
    var board: (IPAddress, UInt16) { (IPAddress.v4(0xc0a8_0402), UInt16(4096)) }
    var resolver: (IPAddress, UInt16) { (IPAddress.v4(0xc0a8_0401), UInt16(53)) }

    func query(_ id: UInt16, _ name: String) -> DNSMessage {
        var message = DNSMessage(id: id, isResponse: false, opcode: 0, rcode: 0)
        message.questions = [DNSQuestion(name: name, type: 1, rrClass: 1)]
        return message
    }

    func answer(_ id: UInt16, _ name: String, rcode: UInt8 = 0, address: IPAddress? = nil) -> DNSMessage {
        var message = DNSMessage(id: id, isResponse: true, opcode: 0, rcode: rcode)
        message.questions = [DNSQuestion(name: name, type: 1, rrClass: 1)]
        if let address {
            message.answers = [DNSRecord(name: name, type: 1, rrClass: 1, ttl: 60, data: "\(address)", address: address)]
        }
        return message
    }
}
