import Capture
import Foundation
import Lessons
import Render
import Sessions
import Testing
import Wire

@Suite struct LadderTests {
    static let captures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Captures")

    static var allCaptures: [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: captures.path)) ?? []).filter { $0.hasSuffix(".pcap") }
            .sorted()
    }

    /// Runs a capture through the pipeline and returns the ladder of the chosen session.
    static func ladder(_ name: String, _ selection: LadderSelection = .firstTCP, maxRows: Int = 2000) throws -> Ladder? {
        var options = LessonOptions(ladder: selection)
        options.maxLadderRows = maxRows
        let reader = try CaptureFileReader(path: captures.appendingPathComponent(name).path)
        let sessions = SessionTracker()
        let lessons = LessonTracker(options: options)
        sessions.onSessionEnd = { _ = lessons.sessionEnded($0) }
        while let frame = try reader.next() {
            let decoded = FrameDecoder.decode(frame.bytes, linkType: frame.linkType)
            let annotation = sessions.process(decoded, bytes: frame.bytes, number: frame.number,
                                              timeNanoseconds: frame.timeNanoseconds)
            _ = lessons.process(decoded, annotation: annotation, number: frame.number,
                                timeNanoseconds: frame.timeNanoseconds, bytes: frame.bytes)
        }
        _ = sessions.finish()
        return lessons.ladder
    }

    @Test func httpGetText() throws {
        let ladder = try #require(try Self.ladder("http-get.pcap"))
        let text = LadderRenderer.text(ladder)
        if ProcessInfo.processInfo.environment["LADDER_PRINT"] != nil { print(text) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        // Header (3 lines), 2 notes (getaddrinfo, socket), 16 TCP frames.
        #expect(lines.count == 3 + 2 + 16)
        #expect(lines[1].contains("board 192.168.4.2:"))
        #expect(lines[1].contains("server 192.168.4.1:80"))
        #expect(lines[3].contains("(1 create)") || lines[4].contains("(1 create)"))
        let syn = try #require(lines.first { $0.hasPrefix("    3 ") })
        #expect(syn.contains("|- SYN seq=0 ---") && syn.hasSuffix(">| 2 connect"))
        let synAck = try #require(lines.first { $0.hasPrefix("    4 ") })
        #expect(synAck.contains("|<") && synAck.contains("SYN,ACK seq=0 ack=1 -| 2 connect"))
        let data = try #require(lines.first { $0.hasPrefix("    8 ") })
        #expect(data.contains("ACK seq=1 ack=47 len=536") && data.hasSuffix("3 recv"))
        let fin = try #require(lines.first { $0.hasPrefix("   16 ") })
        #expect(fin.contains("FIN,ACK") && fin.hasSuffix("3 close"))
    }

    @Test(arguments: allCaptures)
    func textFits80Columns(_ name: String) throws {
        guard let ladder = try Self.ladder(name) else { return }  // no TCP session (udp-echo, dns, wifi-join)
        for line in LadderRenderer.text(ladder).split(separator: "\n") {
            #expect(line.count <= 80, "\(name): \(line)")
        }
        // Arrows and lifelines line up.
        for line in LadderRenderer.text(ladder).split(separator: "\n").dropFirst(2) where line.contains("|") {
            let characters = Array(line)
            #expect(characters.count > 14 && characters[14] == "|", "\(name): \(line)")
        }
    }

    @Test func udpLadderBySession() throws {
        let ladder = try #require(try Self.ladder("udp-echo.pcap", .session(1)))
        #expect(ladder.rows.filter { !$0.isNote }.count == 6)
        let text = LadderRenderer.text(ladder)
        #expect(text.contains("UDP len=6") && text.contains("2 sendto") && text.contains("3 recvfrom"))
    }

    @Test func capIsReported() throws {
        let ladder = try #require(try Self.ladder("lossy.pcap", maxRows: 10))
        #expect(ladder.rows.count == 10)
        #expect(ladder.droppedRows > 0)
        #expect(LadderRenderer.text(ladder).contains("more rows not kept"))
    }

    @Test func longLabelsAreClipped() {
        let row = LadderRow(frame: 123_456, timeNanoseconds: 999_000_000_000, fromBoard: false,
                            flags: "FIN,RST,PSH,URG,ACK", sequence: 4_294_967_295, acknowledgement: 4_294_967_295,
                            length: 65535, window: 0, step: .dnsLookup, stepNumber: nil,
                            note: nil)
        let note = LadderRow(frame: nil, timeNanoseconds: 0, fromBoard: true, flags: "", sequence: nil,
                             acknowledgement: nil, length: 0, window: nil, step: .create, stepNumber: 1,
                             note: String(repeating: "x", count: 200))
        let ladder = Ladder(session: 1, boardLabel: "board " + String(repeating: "b", count: 90),
                            peerLabel: "server " + String(repeating: "s", count: 90), rows: [row, note],
                            droppedRows: 0, startNanoseconds: 0)
        for line in LadderRenderer.text(ladder).split(separator: "\n") { #expect(line.count <= 80) }
    }

    @Test func svgEscapesText() {
        let row = LadderRow(frame: 1, timeNanoseconds: 0, fromBoard: true, flags: "SYN", sequence: 0,
                            acknowledgement: nil, length: 0, window: 2144, step: .connect, stepNumber: 2)
        let ladder = Ladder(session: 1, boardLabel: "board <&\"'>", peerLabel: "server \u{1b}[31m",
                            rows: [row], droppedRows: 0, startNanoseconds: 0)
        let svg = LadderRenderer.svg(ladder)
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("board &lt;&amp;&quot;&apos;&gt;"))
        #expect(!svg.contains("\u{1b}"))
        #expect(svg.contains("marker-end=\"url(#head)\""))
        #expect(svg.hasSuffix("</svg>\n"))
    }

    @Test func svgOfCapture() throws {
        let ladder = try #require(try Self.ladder("tcp-server.pcap"))
        let svg = LadderRenderer.svg(ladder)
        #expect(svg.contains("2 bind"))  // the inferred bind() note
        #expect(svg.components(separatedBy: "<line ").count - 1 == 2 + 12)  // lifelines + 12 frames of session 1
    }

    @Test func stepJSON() throws {
        let step = Step(session: 1, role: .client, id: .connect, event: .syn(attempt: 1), fromBoard: true,
                        boardKnown: true)
        var json = JSONWriter()
        json.beginObject()
        LessonText.writeFrameLesson(FrameLesson(step: step), into: &json)
        json.endObject()
        let text = String(decoding: json.bytes, as: UTF8.self)
        #expect(text == #"{"step":{"session":1,"role":"client","id":"connect","number":2,"#
            + #""title":"connect to the server address","call":"s.connect(addr)","#
            + #""explanation":"the board asks the server to open a connection: SYN, 1 of 3 handshake packets."}}"#)
        let object = try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any]
        #expect(object?["step"] != nil)
    }

    @Test func findingJSON() throws {
        let finding = Finding(id: .refused, session: 1, frames: [3, 4], error: "OSError: [Errno 104] ECONNRESET",
                              cause: "c \"q\"", advice: "a", lesson: "the tutorial expects …")
        var json = JSONWriter()
        json.beginObject()
        json.key("diagnosis")
        LessonText.writeFindings([finding, finding], into: &json)
        json.endObject()
        let object = try JSONSerialization.jsonObject(with: Data(json.bytes)) as? [String: Any]
        let list = try #require(object?["diagnosis"] as? [[String: Any]])
        #expect(list.count == 2)
        #expect(list[0]["id"] as? String == "refused")
        #expect(list[0]["frames"] as? [Int] == [3, 4])
        #expect(list[0]["cause"] as? String == "c \"q\"")
    }
}
