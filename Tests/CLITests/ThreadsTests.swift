import Foundation
import Testing

/// A capture where the board looks up eight names on one DNS server, then fetches a page from each answer — eight
/// servers, so with several workers the lookups and most connections are followed on different workers.
enum SplitLookupCapture {
    static let board: [UInt8] = [192, 168, 4, 2]
    static let resolver: [UInt8] = [192, 168, 4, 1]
    static func server(_ index: Int) -> [UInt8] { [10, 0, 0, UInt8(index)] }

    static func frame(from source: [UInt8], to destination: [UInt8], proto: UInt8, transport: [UInt8]) -> [UInt8] {
        HostileCapture.ipv4Frame(from: source, to: destination, boardSends: source == board, proto: proto, ttl: 64,
                                 dontFragment: true, transport: transport)
    }

    static func udp(from source: [UInt8], _ sourcePort: Int, to destination: [UInt8], _ destinationPort: Int,
                    _ payload: [UInt8]) -> [UInt8] {
        let header = HostileCapture.be16(sourcePort) + HostileCapture.be16(destinationPort)
            + HostileCapture.be16(8 + payload.count) + [0, 0]
        return frame(from: source, to: destination, proto: 17, transport: header + payload)
    }

    static func tcp(from source: [UInt8], _ sourcePort: Int, to destination: [UInt8], _ destinationPort: Int,
                    seq: UInt32, ack: UInt32, flags: UInt8, payload: [UInt8] = []) -> [UInt8] {
        let header = HostileCapture.be16(sourcePort) + HostileCapture.be16(destinationPort) + HostileCapture.be32(seq)
            + HostileCapture.be32(ack) + [0x50, flags] + HostileCapture.be16(5840) + [0, 0, 0, 0]
        return frame(from: source, to: destination, proto: 6, transport: header + payload)
    }

    static func dns(id: Int, name: String, answer: [UInt8]?) -> [UInt8] {
        var encoded: [UInt8] = []
        for label in name.split(separator: ".") { encoded += [UInt8(label.utf8.count)] + Array(label.utf8) }
        encoded += [0]
        let question = encoded + HostileCapture.be16(1) + HostileCapture.be16(1)
        guard let answer else {
            return HostileCapture.be16(id) + [0x01, 0x00] + HostileCapture.be16(1) + [0, 0, 0, 0, 0, 0] + question
        }
        return HostileCapture.be16(id) + [0x81, 0x80] + HostileCapture.be16(1) + HostileCapture.be16(1) + [0, 0, 0, 0]
            + question + [0xc0, 12] + HostileCapture.be16(1) + HostileCapture.be16(1) + HostileCapture.be32(60)
            + HostileCapture.be16(4) + answer
    }

    static func write(to path: String) throws {
        var frames: [[UInt8]] = []
        for index in 1...8 {
            let name = "host\(index).lab", server = server(index), port = 40000 + index
            frames.append(udp(from: board, 4096, to: resolver, 53, dns(id: index, name: name, answer: nil)))
            frames.append(udp(from: resolver, 53, to: board, 4096, dns(id: index, name: name, answer: server)))
            let request = Array("GET / HTTP/1.0\r\nHost: \(name)\r\n\r\n".utf8)
            let response = Array("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok".utf8)
            let clientISN: UInt32 = 6509, serverISN: UInt32 = 1000
            frames += [
                tcp(from: board, port, to: server, 80, seq: clientISN, ack: 0, flags: 0x02),
                tcp(from: server, 80, to: board, port, seq: serverISN, ack: clientISN + 1, flags: 0x12),
                tcp(from: board, port, to: server, 80, seq: clientISN + 1, ack: serverISN + 1, flags: 0x10),
                tcp(from: board, port, to: server, 80, seq: clientISN + 1, ack: serverISN + 1, flags: 0x18, payload: request),
                tcp(from: server, 80, to: board, port, seq: serverISN + 1, ack: clientISN + 1 + UInt32(request.count),
                    flags: 0x19, payload: response),
                tcp(from: board, port, to: server, 80, seq: clientISN + 1 + UInt32(request.count),
                    ack: serverISN + 2 + UInt32(response.count), flags: 0x11),
                tcp(from: server, 80, to: board, port, seq: serverISN + 2 + UInt32(response.count),
                    ack: clientISN + 2 + UInt32(request.count), flags: 0x10),
            ]
        }
        try PcapFile.write(frames, to: path)
    }
}

/// `--threads N` splits decoding and sessions across workers by flow; the output must be the one of a single thread,
/// byte for byte, in the same order.
@Suite("threads: the same output split by flow")
struct ThreadsTests {
    static let splitLookup = CLI.builtCapture("split-lookup.pcap", SplitLookupCapture.write(to:))

    /// Every capture in Captures/ and the corpus.
    static let captures: [String] = {
        var paths: [String] = []
        let manager = FileManager.default
        for root in [CLI.repository.appendingPathComponent("Captures"), CLI.corpus] {
            guard let walker = manager.enumerator(atPath: root.path) else { continue }
            for case let relative as String in walker
            where relative.hasSuffix(".pcap") || relative.hasSuffix(".pcapng") || relative.hasSuffix(".cap") {
                paths.append(root.appendingPathComponent(relative).path)
            }
        }
        return paths.sorted()
    }()

    /// Whether the frames' timestamps never go backwards (see `nonMonotonicTimestamps`).
    static func timestampsAscend(_ jsonLines: [String]) -> Bool {
        var last = -Double.infinity
        for line in jsonLines {
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let time = object["time"] as? Double else { continue }
            if time < last { return false }
            last = time
        }
        return true
    }

    @Test("connections are linked to lookups answered on another worker's flow, as with one thread")
    func lookupsAcrossWorkers() throws {
        let single = try CLI.socketscope("sessions", Self.splitLookup, "--format", "json", "--threads", "1")
        #expect(single.status == 0)
        let sessions = single.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let linked = sessions.filter { ($0["proto"] as? String) == "tcp" && $0["dns_lookup"] != nil }
        #expect(linked.count == 8)
        for threads in ["2", "3", "4"] {
            let split = try CLI.socketscope("sessions", Self.splitLookup, "--format", "json", "--threads", threads)
            #expect(split.status == 0)
            #expect(split.output == single.output, "sessions --threads \(threads)")
            let read = try CLI.socketscope("read", Self.splitLookup, "--format", "json", "--threads", threads)
            let readSingle = try CLI.socketscope("read", Self.splitLookup, "--format", "json", "--threads", "1")
            #expect(read.output == readSingle.output, "read --threads \(threads)")
        }
    }

    /// Three workers: the default on two cores is two, which every other command-line test already runs.
    @Test("read and sessions print the same bytes with 1 and 3 threads on every capture")
    func sameOutput() throws {
        #expect(Self.captures.count > 20)
        var compared = 0
        for path in Self.captures {
            let json = try CLI.socketscope("read", path, "--format", "json", "--threads", "1")
            // One tracker and several workers time idle sessions out alike only while time runs forward (see the
            // README's Performance section); a capture whose clock jumps back is compared for exit status alone.
            let ascending = Self.timestampsAscend(json.lines)
            var commands = [["read", path, "--format", "json"], ["sessions", path, "--format", "json"]]
            if path.contains("/Captures/") { commands += [["read", path], ["sessions", path]] }
            for arguments in commands {
                let single = arguments == ["read", path, "--format", "json"]
                    ? json : try CLI.run(CLI.binary, arguments + ["--threads", "1"])
                let split = try CLI.run(CLI.binary, arguments + ["--threads", "3"])
                #expect(split.status == single.status, "\(arguments)")
                #expect(split.stderr == single.stderr, "\(arguments)")
                if ascending {
                    #expect(split.stdout == single.stdout, "\(arguments)")
                    compared += 1
                }
            }
        }
        #expect(compared > 2 * 60)
    }
}
