import Foundation
import Testing

/// tshark's reassembled bytes per TCP stream of the lab captures (Fixtures/follow.tsv, from regenerate-follow.py).
struct ExpectedStream: CustomStringConvertible {
    var capture: String
    var clientIP: String, clientPort: Int, serverIP: String, serverPort: Int
    var clientLength: Int, clientSHA256: String, serverLength: Int, serverSHA256: String
    var description: String { "\(capture) \(clientIP):\(clientPort)→\(serverIP):\(serverPort)" }

    static let all: [ExpectedStream] = {
        let url = CLI.repository.appendingPathComponent("Tests/CLITests/Fixtures/follow.tsv")
        let text = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let c = line.split(separator: "\t").map(String.init)
            guard c.count == 9, let cp = Int(c[2]), let sp = Int(c[4]), let cl = Int(c[5]), let sl = Int(c[7]) else { return nil }
            return ExpectedStream(capture: c[0], clientIP: c[1], clientPort: cp, serverIP: c[3], serverPort: sp,
                                  clientLength: cl, clientSHA256: c[6], serverLength: sl, serverSHA256: c[8])
        }
    }()
}

func jsonLines(_ result: CLI.Result) -> [[String: Any]] {
    result.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
}

@Suite("socketscope sessions, follow and explain")
struct SessionCommandsTests {
    @Test("sessions --format json has the fixed fields, one object per line")
    func sessionsJSON() throws {
        let result = try CLI.socketscope("sessions", CLI.capture("http-get-by-name.pcap"), "--format", "json")
        #expect(result.status == 0)
        let sessions = jsonLines(result)
        #expect(sessions.count == result.lines.count && sessions.count == 2)
        for key in ["id", "proto", "client", "server", "client_guessed", "state", "history", "start", "end", "packets",
                    "bytes", "missed_bytes", "handshake_rtt", "http", "dns"] {
            #expect(sessions.allSatisfy { $0[key] != nil }, "\(key)")
        }
        let dns = try #require(sessions.first { $0["proto"] as? String == "udp" })
        let query = try #require((dns["dns"] as? [[String: Any]])?.first)
        #expect(query["name"] as? String == "example.lab")
        #expect(query["rcode"] as? String == "NOERROR")
        let tcp = try #require(sessions.first { $0["proto"] as? String == "tcp" })
        #expect(tcp["state"] as? String == "SF")
        #expect((tcp["client"] as? [String: Any])?["port"] as? Int ?? 0 < 32768, "lwIP-style port")
    }

    @Test("fragmented IPv4 datagrams reach the session layer once, whole, at the frame that completes them")
    func fragmentsReassembled() throws {
        let sessions = jsonLines(try CLI.socketscope("sessions", CLI.corpusFile("zeek/ipv4_fragmented-1.pcap"), "--format", "json"))
        let udp = try #require(sessions.first { $0["proto"] as? String == "udp" })
        #expect((udp["packets"] as? [String: Any])?["client"] as? Int == 1, "three fragments make one datagram")
        #expect(udp["first_frame"] as? Int == 3)
        #expect((udp["client"] as? [String: Any])?["port"] as? Int == 123)
    }

    @Test("read and sessions say on stderr what a limit cut short", arguments: [["read"], ["read", "--format", "json"], ["sessions"]])
    func limitsReported(command: [String]) throws {
        let result = try CLI.run(CLI.binary, command + [CLI.capture("accept-queue-full.pcap"), "--max-flows", "1"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("sessions were ended early to stay within --max-flows"), "\(result.stderr)")
        let unlimited = try CLI.run(CLI.binary, command + [CLI.capture("accept-queue-full.pcap")])
        #expect(unlimited.stderr.isEmpty)
    }

    @Test("sessions text shows state, history and the DNS lookup")
    func sessionsText() throws {
        let result = try CLI.socketscope("sessions", CLI.capture("http-get-by-name.pcap"))
        #expect(result.status == 0)
        #expect(result.output.contains("Session 1") && result.output.contains("Session 2"))
        #expect(result.output.contains("state SF"))
        #expect(result.output.contains("example.lab"))
    }

    @Test("follow --format raw writes exactly tshark's reassembled bytes, both directions, every TCP session",
          arguments: ExpectedStream.all)
    func followMatchesTshark(stream: ExpectedStream) throws {
        let sessions = jsonLines(try CLI.socketscope("sessions", CLI.capture(stream.capture), "--format", "json"))
        // The session whose endpoints are tshark's two nodes (either way round).
        let match = sessions.first { session in
            guard let client = session["client"] as? [String: Any], let server = session["server"] as? [String: Any],
                  session["proto"] as? String == "tcp" else { return false }
            let ends = Set(["\(client["ip"] ?? ""):\(client["port"] ?? "")", "\(server["ip"] ?? ""):\(server["port"] ?? "")"])
            return ends == Set(["\(stream.clientIP):\(stream.clientPort)", "\(stream.serverIP):\(stream.serverPort)"])
        }
        let session = try #require(match, "no session for \(stream)")
        let id = try #require(session["id"] as? Int)
        let clientIsNodeZero = ((session["client"] as? [String: Any])?["port"] as? Int) == stream.clientPort
        for (direction, length, digest) in [("client", stream.clientLength, stream.clientSHA256),
                                           ("server", stream.serverLength, stream.serverSHA256)] {
            let ours = clientIsNodeZero ? direction : (direction == "client" ? "server" : "client")
            let result = try CLI.socketscope("follow", CLI.capture(stream.capture), "--session", String(id),
                                             "--format", "raw", "--direction", ours)
            if length == 0 {
                #expect(result.stdout.isEmpty)
                continue
            }
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.count == length, "\(stream) \(direction)")
            #expect(SHA256Hex.of(result.stdout) == digest, "\(stream) \(direction)")
        }
    }

    @Test("follow text shows both sides; raw refuses both directions at once")
    func followText() throws {
        let text = try CLI.socketscope("follow", CLI.capture("http-get.pcap"), "--session", "1")
        #expect(text.status == 0)
        #expect(text.output.contains("GET /") && text.output.contains("HTTP/1.0 200"))
        let raw = try CLI.socketscope("follow", CLI.capture("http-get.pcap"), "--session", "1", "--format", "raw")
        #expect(raw.status == 2)
        let missing = try CLI.socketscope("follow", CLI.capture("http-get.pcap"), "--session", "99")
        #expect(missing.status == 1 && missing.stderr.contains("99"))
    }

    @Test("follow --http-body writes the decoded body, whose SHA-256 is the one sessions reports",
          arguments: ["chunked.pcap", "http-get.pcap", "keep-alive-hang.pcap"])
    func httpBody(capture: String) throws {
        let sessions = jsonLines(try CLI.socketscope("sessions", CLI.capture(capture), "--format", "json"))
        let session = try #require(sessions.first { !(($0["http"] as? [Any]) ?? []).isEmpty })
        let exchange = try #require((session["http"] as? [[String: Any]])?.first)
        let id = try #require(session["id"] as? Int)
        let body = try CLI.socketscope("follow", CLI.capture(capture), "--session", String(id), "--http-body", "1")
        #expect(body.status == 0, "\(body.stderr)")
        #expect(body.stdout.count == exchange["body_length"] as? Int)
        #expect(SHA256Hex.of(body.stdout) == exchange["body_sha256"] as? String)
        if capture == "chunked.pcap" {
            #expect(exchange["chunked"] as? Bool == true)
            #expect(!String(decoding: body.stdout, as: UTF8.self).contains("\r\n0\r\n"), "chunk framing removed")
        }
        let none = try CLI.socketscope("follow", CLI.capture(capture), "--session", String(id), "--http-body", "9")
        #expect(none.status == 1 && none.stderr.contains("no HTTP response number 9"))
    }

    @Test("explain picks the HTTP GET by default and tiles every byte")
    func explainDefault() throws {
        let result = try CLI.socketscope("explain", CLI.capture("http-get.pcap"), "--format", "json")
        #expect(result.status == 0)
        let object = try #require(try JSONSerialization.jsonObject(with: result.stdout) as? [String: Any])
        let caplen = try #require(object["caplen"] as? Int)
        let fields = try #require(object["fields"] as? [[String: Any]])
        // Innermost byte fields (no mask, no byte children) must tile [0, caplen).
        func leaves(_ field: [String: Any]) -> [(Int, Int)] {
            if field["mask"] != nil { return [] }
            let children = (field["children"] as? [[String: Any]] ?? []).filter { $0["mask"] == nil }
            if children.isEmpty { return [(field["offset"] as? Int ?? -1, field["length"] as? Int ?? -1)] }
            return children.flatMap(leaves)
        }
        let ranges = fields.flatMap(leaves).sorted { $0.0 < $1.0 }
        var next = 0
        for (offset, length) in ranges {
            #expect(offset == next)
            next = offset + length
        }
        #expect(next == caplen)
        let names = Set(fields.flatMap { allNames($0) })
        #expect(names.contains("tcp.srcport") && names.contains("ip.ttl"))
        let text = try CLI.socketscope("explain", CLI.capture("http-get.pcap"))
        #expect(text.output.contains("GET"))
        #expect(!text.output.contains("\u{1b}["), "no colour when stdout is not a terminal")
    }

    @Test("a frame that continues an HTTP message is explained as such, naming where the message began")
    func explainContinuation() throws {
        let chunked = try CLI.socketscope("explain", CLI.capture("chunked.pcap"), "--frame", "10", "--format", "json")
        let object = try #require(try JSONSerialization.jsonObject(with: chunked.stdout) as? [String: Any])
        let fields = try #require(object["fields"] as? [[String: Any]])
        let continuation = try #require(fields.first { $0["name"] as? String == "http.continuation" })
        #expect((continuation["meaning"] as? String)?.contains("began in frame 8") == true)
        let parts = (continuation["children"] as? [[String: Any]] ?? []).compactMap { $0["name"] as? String }
        #expect(parts.contains("http.chunk_framing") && parts.contains("http.file_data"))
        let lengths = (continuation["children"] as? [[String: Any]] ?? []).compactMap { $0["length"] as? Int }
        #expect(lengths.reduce(0, +) == continuation["length"] as? Int, "the pieces tile the payload")
        let plain = try CLI.socketscope("explain", CLI.capture("http-get.pcap"), "--frame", "10")
        #expect(plain.output.contains("continue the HTTP response that began in frame 8"))
        #expect(plain.output.contains("bytes of the response body"))
    }

    @Test("explain --frame past the end is a clear error")
    func explainMissingFrame() throws {
        let result = try CLI.socketscope("explain", CLI.capture("http-get.pcap"), "--frame", "100000")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no frame 100000"))
    }
}

func allNames(_ field: [String: Any]) -> [String] {
    [field["name"] as? String ?? ""] + (field["children"] as? [[String: Any]] ?? []).flatMap(allNames)
}

/// SHA-256 for test comparisons (CryptoKit is not on Linux; shell out to sha256sum).
enum SHA256Hex {
    static func of(_ data: Data) -> String {
        let path = CLI.temporaryFile("hash")
        _ = FileManager.default.createFile(atPath: path, contents: data)
        let result = try? CLI.run("/usr/bin/sha256sum", [path])
        return result?.output.split(separator: " ").first.map(String.init) ?? ""
    }
}
