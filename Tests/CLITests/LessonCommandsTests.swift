import Foundation
import Testing

@Suite("lessons in the command-line output")
struct LessonCommandsTests {
    static let stepIDs: Set<String> = ["dns-lookup", "create", "connect", "bind", "listen", "accept", "send", "recv",
                                       "close", "sendto", "recvfrom", "wifi-join", "other"]
    static let diagnosisIDs: Set<String> = ["refused", "no-answer", "host-unreachable", "dns-failure",
                                            "connection-reset", "board-reset", "zero-window", "retransmissions",
                                            "keep-alive-wait", "chunked", "bad-request", "accept-overflow",
                                            "http-error", "capture-blind"]

    @Test("every frame of read --format json has a step with the fixed fields",
          arguments: ["http-get.pcap", "tcp-server.pcap", "udp-echo.pcap", "wifi-join.pcap", "http-get-by-name.pcap"])
    func stepJSON(capture: String) throws {
        let frames = jsonLines(try CLI.socketscope("read", CLI.capture(capture), "--format", "json"))
        #expect(!frames.isEmpty)
        for frame in frames {
            let step = try #require(frame["step"] as? [String: Any], "frame \(frame["frame"] ?? "?")")
            for key in ["session", "role", "id", "number", "title", "call", "explanation"] { #expect(step[key] != nil, "\(key)") }
            #expect(Self.stepIDs.contains(step["id"] as? String ?? ""))
            #expect(["client", "server", "udp", "network"].contains(step["role"] as? String ?? ""))
        }
    }

    @Test("the tutorial's http_get: connect, send, recv, close in order, by the board as client")
    func httpGetSteps() throws {
        let frames = jsonLines(try CLI.socketscope("read", CLI.capture("http-get.pcap"), "--format", "json"))
        let steps = frames.compactMap { ($0["step"] as? [String: Any])?["id"] as? String }
        let tcpSteps = steps.filter { ["connect", "send", "recv", "close"].contains($0) }
        #expect(tcpSteps.first == "connect" && tcpSteps.last == "close")
        #expect(tcpSteps == tcpSteps.sorted { ["connect", "send", "recv", "close"].firstIndex(of: $0)! < ["connect", "send", "recv", "close"].firstIndex(of: $1)! })
        let syn = try #require(frames.first { (($0["tcp"] as? [String: Any])?["flags"] as? [String]) == ["SYN"] })
        let step = try #require(syn["step"] as? [String: Any])
        #expect(step["call"] as? String == "s.connect(addr)")
        #expect(step["role"] as? String == "client")
        #expect(step["number"] as? Int == 2)
    }

    @Test("read text groups frames by session with steps and puts the diagnosis after the session")
    func textGrouping() throws {
        let result = try CLI.socketscope("read", CLI.capture("refused.pcap"), "--explain")
        #expect(result.status == 0)
        let output = result.output
        #expect(output.hasPrefix("board: 192.168.4.2"))
        let header = try #require(output.range(of: "── Session 1"))
        let diagnosis = try #require(output.range(of: "diagnosis refused"))
        #expect(header.lowerBound < diagnosis.lowerBound)
        #expect(output.contains("[2 connect] s.connect(addr)"))
        #expect(output.contains("ECONNRESET"))
        #expect(output.contains("(no packet)"), "inferred socket() line")
        #expect(!output.contains("\u{1b}["), "no colour when not a terminal")
    }

    @Test("sessions --format json carries board, role and diagnosis", arguments: [
        ("refused.pcap", "refused"), ("no-answer.pcap", "no-answer"), ("dns-nxdomain.pcap", "dns-failure"),
        ("reset-by-server.pcap", "connection-reset"), ("board-closes-unread.pcap", "board-reset"),
        ("slow-reader.pcap", "zero-window"), ("lossy.pcap", "retransmissions"), ("keep-alive-hang.pcap", "keep-alive-wait"),
        ("chunked.pcap", "chunked"), ("accept-queue-full.pcap", "accept-overflow"),
    ])
    func diagnosis(capture: String, expected: String) throws {
        let lines = jsonLines(try CLI.socketscope("sessions", CLI.capture(capture), "--format", "json"))
        var ids: Set<String> = []
        for line in lines {
            let findings = (line["diagnosis"] as? [[String: Any]]) ?? ((line["capture"] as? [String: Any])?["diagnosis"] as? [[String: Any]]) ?? []
            if line["capture"] == nil {
                #expect(line["board"] as? [String: Any] != nil && line["role"] != nil)
            }
            for finding in findings {
                for key in ["id", "frames", "error", "cause", "advice"] { #expect(finding[key] != nil) }
                ids.insert(finding["id"] as? String ?? "")
            }
        }
        #expect(ids.contains(expected), "\(capture): \(ids)")
        #expect(ids.isSubset(of: Self.diagnosisIDs))
    }

    @Test("the clean http-get captures raise no diagnosis", arguments: ["http-get.pcap", "http-get-synthetic.pcap"])
    func quietOnCleanCapture(capture: String) throws {
        let lines = jsonLines(try CLI.socketscope("sessions", CLI.capture(capture), "--format", "json"))
        #expect(!lines.isEmpty)
        for line in lines { #expect((line["diagnosis"] as? [Any])?.isEmpty ?? true) }
        #expect(!lines.contains { $0["capture"] != nil })
    }

    @Test("--board names the board; a bad --board is a usage error")
    func boardOption() throws {
        let named = try CLI.socketscope("read", CLI.capture("http-get.pcap"), "--board", "192.168.4.1")
        #expect(named.status == 0)
        #expect(named.output.hasPrefix("board: 192.168.4.1"))
        let bad = try CLI.socketscope("read", CLI.capture("http-get.pcap"), "--board", "not-an-address")
        #expect(bad.status == 2)
    }

    @Test("ladder fits 80 columns and SVG escapes text", arguments: ["http-get.pcap", "tcp-server.pcap", "lossy.pcap"])
    func ladder(capture: String) throws {
        let text = try CLI.socketscope("ladder", CLI.capture(capture))
        #expect(text.status == 0)
        #expect(text.lines.count > 5)
        for line in text.lines { #expect(line.count <= 80, "\(line)") }
        let svg = CLI.temporaryFile("ladder.svg")
        let drawn = try CLI.socketscope("ladder", CLI.capture(capture), "--svg", svg)
        #expect(drawn.status == 0)
        let document = try String(contentsOfFile: svg, encoding: .utf8)
        #expect(document.hasPrefix("<svg") && document.contains("</svg>"))
        let missing = try CLI.socketscope("ladder", CLI.capture(capture), "--session", "999")
        #expect(missing.status == 1)
    }
}
