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
