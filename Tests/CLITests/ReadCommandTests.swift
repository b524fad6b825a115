import Foundation
import Testing

@Suite("socketscope read")
struct ReadCommandTests {
    @Test("reads standard input exactly as the file")
    func standardInput() throws {
        let file = CLI.corpusFile("gopacket/test_ethernet.pcap")
        let direct = try CLI.socketscope("read", file, "--format", "json")
        let piped = try CLI.socketscope("read", "-", "--format", "json",
                                        input: try Data(contentsOf: URL(fileURLWithPath: file)))
        #expect(direct.status == 0 && piped.status == 0)
        #expect(direct.lines.count == 10)
        #expect(piped.output == direct.output)
    }

    @Test("several files are read in order and numbered on from each other")
    func severalFiles() throws {
        let a = CLI.corpusFile("gopacket/test_ethernet.pcap")
        let b = CLI.corpusFile("tcpdump/tcp-handshake-nano.pcap")
        let result = try CLI.socketscope("read", a, b, "--format", "json")
        #expect(result.status == 0)
        let frames = result.lines.compactMap { line -> Int? in
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else { return nil }
            return object["frame"] as? Int
        }
        #expect(frames == Array(1...13))
    }

    @Test("a frame's http object has the request and response tshark reads, on the frame completing each head",
          .enabled(if: CLI.which("tshark") != nil, "needs tshark"),
          arguments: ["http-get.pcap", "http-get-by-name.pcap", "chunked.pcap", "keep-alive-hang.pcap",
                      "board-closes-unread.pcap", "slow-reader.pcap", "lossy.pcap"])
    func httpAgreesWithTshark(name: String) throws {
        let file = CLI.capture(name)
        let tshark = try #require(CLI.which("tshark"))
        // Without reassembling bodies tshark, like SocketScope, shows a response on the segment completing its head
        // (with them, on its last segment, and not at all when the body never ends).
        let fields = try CLI.run(tshark, ["-r", file, "-o", "http.desegment_body:FALSE", "-Y", "http", "-T", "fields",
                                          "-E", "separator=|",
                                          "-e", "frame.number", "-e", "http.request.method", "-e", "http.request.uri",
                                          "-e", "http.request.version", "-e", "http.host", "-e", "http.response.code",
                                          "-e", "http.response.phrase", "-e", "http.response.version"])
        var requests: [String] = []
        var responses: [String] = []
        for line in fields.lines {
            let column = line.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
            guard column.count == 8 else { continue }
            if !column[1].isEmpty { requests.append(column[0...4].joined(separator: " ")) }
            if !column[5].isEmpty { responses.append(([column[0]] + column[5...7]).joined(separator: " ")) }
        }
        let result = try CLI.socketscope("read", file, "--format", "json")
        #expect(result.status == 0)
        var ourRequests: [String] = []
        var ourResponses: [String] = []
        for line in result.lines {
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any],
                  let http = object["http"] as? [String: Any] else { continue }
            let frame = object["frame"] as? Int ?? 0
            if let request = http["request"] as? [String: Any] {
                let values = ["method", "uri", "version"].map { request[$0] as? String ?? "?" }
                ourRequests.append((["\(frame)"] + values + [request["host"] as? String ?? ""]).joined(separator: " "))
            }
            if let response = http["response"] as? [String: Any] {
                let status = response["status"] as? Int ?? 0
                let values = ["reason", "version"].map { response[$0] as? String ?? "?" }
                ourResponses.append((["\(frame)", "\(status)"] + values).joined(separator: " "))
            }
        }
        #expect(!ourRequests.isEmpty, "\(name) has requests")
        #expect(ourRequests == requests, "\(name)")
        #expect(ourResponses == responses, "\(name)")
    }

    @Test("JSON lines carry frame, time, length, caplen and linktype")
    func jsonShape() throws {
        let result = try CLI.socketscope("read", CLI.corpusFile("tcpdump/tcp-handshake-nano.pcap"), "--format", "json")
        let first = try #require(result.lines.first)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(first.utf8)) as? [String: Any])
        #expect(object["frame"] as? Int == 1)
        #expect(object["linktype"] as? Int == 113)
        #expect((object["time"] as? Double).map { $0 > 1e9 } == true)
        #expect(object["length"] as? Int != nil && object["caplen"] as? Int != nil)
        #expect(first.contains("\"time\":1") && first.range(of: #"\.\d{9},"#, options: .regularExpression) != nil,
                "time keeps nanoseconds")
    }

    @Test("a missing file, a non-capture and an empty file exit 2 with one line naming the file")
    func badInputs() throws {
        let empty = CLI.temporaryFile("empty.pcap")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        for path in ["/nonexistent/file.pcap", CLI.repository.appendingPathComponent("Package.swift").path, empty] {
            let result = try CLI.socketscope("read", path)
            #expect(result.status == 2, "\(path)")
            #expect(result.stderr.contains(path))
            #expect(result.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test("a truncated file: the frames before the cut are printed, then a warning where it was cut, exit 2")
    func truncatedFile() throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: CLI.corpusFile("gopacket/test_ethernet.pcap")))
        let cut = CLI.temporaryFile("cut.pcap")
        _ = FileManager.default.createFile(atPath: cut, contents: data.prefix(data.count - 10))
        let result = try CLI.socketscope("read", cut, "--format", "json")
        #expect(result.status == 2)
        #expect(result.lines.count == 9)
        #expect(result.stderr.contains("cut short") && result.stderr.contains(cut))
    }

    @Test("bad arguments exit 2", arguments: [["read"], ["read", "-", "-"], ["read", "x.pcap", "--format", "xml"],
                                              ["live", "--snaplen", "0"], ["live", "--count", "0"], ["nosuchcommand"]])
    func badArguments(arguments: [String]) throws {
        let result = try CLI.run(CLI.binary, arguments)
        #expect(result.status == 2)
        #expect(!result.stderr.isEmpty)
    }

    @Test("--help teaches each command with an example", arguments: ["read", "live", "interfaces"])
    func help(command: String) throws {
        let result = try CLI.socketscope(command, "--help")
        #expect(result.status == 0)
        #expect(result.output.contains("Example"))
        if command == "live" { #expect(result.output.contains("root") && result.output.contains("setcap")) }
    }
}
