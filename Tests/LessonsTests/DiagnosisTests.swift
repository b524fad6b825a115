import Lessons
import Testing
import Wire

/// Each diagnosis fires on the capture (or hand-built frames) made for it and stays quiet elsewhere.
@Suite struct DiagnosisTests {
    /// The findings each lab capture must produce, exactly.
    static let expected: [String: Set<FindingID>] = [
        "http-get.pcap": [],
        "http-get-synthetic.pcap": [],
        "http-get-by-name.pcap": [],
        "tcp-client-echo.pcap": [],
        "tcp-server.pcap": [],
        "udp-echo.pcap": [],
        "wifi-join.pcap": [],
        "refused.pcap": [.refused],
        "no-answer.pcap": [.noAnswer],
        "reset-by-server.pcap": [.connectionReset],
        "board-closes-unread.pcap": [.boardReset, .zeroWindow],
        "slow-reader.pcap": [.zeroWindow],
        "lossy.pcap": [.retransmissions],
        "keep-alive-hang.pcap": [.keepAliveWait],
        "chunked.pcap": [.chunked],
        "dns-nxdomain.pcap": [.dnsFailure],
        // Linux ignores SYNs while the queue is full (the lwIP form, handshake then RST, is crafted below).
        "accept-queue-full.pcap": [.acceptOverflow],
    ]

    @Test(arguments: Paths.allCaptures)
    func labCapture(_ name: String) throws {
        let run = try LessonRun.run(path: Paths.capture(name))
        let expected = try #require(Self.expected[name], "no expectation for \(name)")
        #expect(run.findingIDs == expected, "\(name)")
        for finding in run.findings {
            #expect(!finding.frames.isEmpty && !finding.error.isEmpty && !finding.cause.isEmpty
                    && !finding.advice.isEmpty && finding.lesson.hasPrefix("the tutorial"), "\(finding.id)")
        }
    }

    @Test func errnoTexts() throws {
        let refused = try LessonRun.run(path: Paths.capture("refused.pcap")).findings.first
        #expect(refused?.error.hasPrefix("OSError: [Errno 104] ECONNRESET") == true)
        #expect(refused?.frames == [3, 4])
        let noAnswer = try LessonRun.run(path: Paths.capture("no-answer.pcap")).findings.first
        #expect(noAnswer?.error.contains("[Errno 103] ECONNABORTED") == true)
        #expect(noAnswer?.error.contains("[Errno 110] ETIMEDOUT") == true)
        let dns = try LessonRun.run(path: Paths.capture("dns-nxdomain.pcap")).findings.first
        #expect(dns?.error.hasPrefix("OSError: -2") == true)
        let reset = try LessonRun.run(path: Paths.capture("board-closes-unread.pcap")).findings
            .first { $0.id == .boardReset }
        #expect(reset?.lesson.contains("the board sent RST at frame 17") == true)
        let keepAlive = try LessonRun.run(path: Paths.capture("keep-alive-hang.pcap")).findings.first
        #expect(keepAlive?.frames == [6, 12, 14])
        #expect(keepAlive?.lesson.contains("3.0 s later, at frame 14") == true)
    }

    // MARK: Hand-built cases

    @Test func acceptOverflowHandshakeThenRST() {
        var script = TCPScript()
        script.accept()
        script.fromBoard(TCPBits.rst | TCPBits.ack)
        let run = LessonRun.run(frames: script.frames)
        let finding = run.findings.first
        #expect(run.findingIDs == [.acceptOverflow])
        #expect(finding?.frames == [3, 4])
        #expect(run.sessions.first?.board == .server)
        #expect(run.lessons.map(\.lesson.step.id) == [.accept, .accept, .accept, .close])
        // The same handshake answered and closed normally is quiet.
        var clean = TCPScript()
        clean.accept()
        clean.fromPeer(TCPBits.psh | TCPBits.ack, Array("GET / HTTP/1.0\r\n\r\n".utf8))
        clean.fromBoard(TCPBits.psh | TCPBits.ack, Array("HTTP/1.0 200 OK\r\n\r\nhi".utf8))
        clean.fromBoard(TCPBits.fin | TCPBits.ack)
        clean.fromPeer(TCPBits.fin | TCPBits.ack)
        clean.fromBoard(TCPBits.ack)
        #expect(LessonRun.run(frames: clean.frames).findings.isEmpty)
    }

    @Test func badRequestBareLFAndNoHost() {
        var script = TCPScript()
        script.connect()
        script.httpExchange(request: "GET /hello.txt HTTP/1.0\n\n",
                            response: "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nhello\n")
        let run = LessonRun.run(frames: script.frames)
        #expect(run.findingIDs == [.badRequest])
        #expect(run.findings.first?.cause.contains("no Host header") == true)
        #expect(run.findings.first?.cause.contains("bare") == true)
        #expect(run.findings.first?.frames == [4, 6])
    }

    @Test func goodRequestIsQuiet() {
        var script = TCPScript()
        script.connect()
        script.httpExchange(request: "GET /hello.txt HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n",
                            response: "HTTP/1.0 200 OK\r\n\r\nhello\n")
        #expect(LessonRun.run(frames: script.frames).findings.isEmpty)
    }

    @Test func httpErrorStatus() {
        var script = TCPScript()
        script.connect()
        script.httpExchange(request: "GET /nope HTTP/1.0\r\nHost: 192.168.4.1\r\n\r\n",
                            response: "HTTP/1.0 404 Not Found\r\n\r\nnot found\n")
        let run = LessonRun.run(frames: script.frames)
        #expect(run.findingIDs == [.httpError])
        #expect(run.findings.first?.error.contains("404 Not Found") == true)
    }

    @Test func hostUnreachableUnansweredARP() {
        let base: Int64 = 1_700_000_000_000_000_000
        let board = Host.board
        let zero: [UInt8] = [0, 0, 0, 0, 0, 0]
        let frames = (0..<3).map { index in
            RawFrame(bytes: Craft.arp(op: 1, senderMAC: board.mac, senderIP: board.ip, targetMAC: zero,
                                      targetIP: [192, 168, 4, 50]),
                     timeNanoseconds: base + Int64(index) * 1_000_000_000)
        }
        let run = LessonRun.run(frames: frames)
        #expect(run.findingIDs.contains(.hostUnreachable))
        #expect(run.findings.first { $0.id == .hostUnreachable }?.frames == [1, 2, 3])
        #expect(run.findings.first?.error.hasPrefix("OSError: [Errno 113] EHOSTUNREACH") == true)
        // Answered: quiet.
        let answered = [frames[0], RawFrame(bytes: Craft.arp(op: 2, senderMAC: Host.other.mac, senderIP: [192, 168, 4, 50],
                                                                targetMAC: board.mac, targetIP: board.ip,
                                                                destinationMAC: board.mac),
                                              timeNanoseconds: base + 1_000_000)]
        #expect(!LessonRun.run(frames: answered).findingIDs.contains(.hostUnreachable))
    }

    @Test func hostUnreachableLookupWithoutConnect() {
        let base: Int64 = 1_700_000_000_000_000_000
        let query = Craft.udp(from: .board, to: .server, sourcePort: 4096, destinationPort: 53,
                              payload: Craft.dns(id: 7, name: "server.lab"), ttl: 255)
        let answer = Craft.udp(from: .server, to: .board, sourcePort: 53, destinationPort: 4096,
                               payload: Craft.dns(id: 7, name: "server.lab", response: true, answer: [192, 168, 4, 9]))
        // Six seconds later the board talks to someone else, never to 192.168.4.9.
        let later = Craft.udp(from: .board, to: .server, sourcePort: 4097, destinationPort: 123, payload: [0x1b],
                              ttl: 255)
        let frames = [RawFrame(bytes: query, timeNanoseconds: base), RawFrame(bytes: answer, timeNanoseconds: base + 1000),
                      RawFrame(bytes: later, timeNanoseconds: base + 6_000_000_000)]
        let run = LessonRun.run(frames: frames)
        #expect(run.findingIDs == [.hostUnreachable])
        #expect(run.findings.first?.frames == [2])
    }

    @Test func dnsFailureNoAnswer() {
        let base: Int64 = 1_700_000_000_000_000_000
        let offsets: [Int64] = [0, 1, 2, 4]
        let frames = offsets.map { second in
            RawFrame(bytes: Craft.udp(from: .board, to: .server, sourcePort: 4096, destinationPort: 53,
                                      payload: Craft.dns(id: 3, name: "example.lab"), ttl: 255),
                     timeNanoseconds: base + second * 1_000_000_000)
        }
        let run = LessonRun.run(frames: frames)
        #expect(run.findingIDs == [.dnsFailure])
        #expect(run.findings.first?.cause.contains("never answered") == true)
        // The steps number the resends.
        #expect(run.lessons.last?.lesson.step.event == .dnsQuery(name: "example.lab", attempt: 4))
    }

    @Test func captureBlindCorpus() throws {
        // tuya_lp.pcap: Espressif devices broadcasting, nothing unicast.
        let run = try LessonRun.run(path: Paths.corpus.appendingPathComponent("ndpi/tuya_lp.pcap").path)
        #expect(run.findingIDs.contains(.captureBlind))
        #expect(run.findings.first { $0.id == .captureBlind }?.advice.contains("access point") == true)
    }

    @Test func captureBlindCrafted() {
        let base: Int64 = 1_700_000_000_000_000_000
        let zero: [UInt8] = [0, 0, 0, 0, 0, 0]
        let frames = [
            RawFrame(bytes: Craft.arp(op: 1, senderMAC: Host.other.mac, senderIP: Host.other.ip, targetMAC: zero,
                                      targetIP: Host.server.ip), timeNanoseconds: base),
            RawFrame(bytes: Craft.udp(from: .other, to: .server, sourcePort: 5353, destinationPort: 5353, payload: [0],
                                      destinationMAC: [0x01, 0x00, 0x5e, 0, 0, 0xfb], destinationIP: [224, 0, 0, 251]),
                     timeNanoseconds: base + 1000),
        ]
        let run = LessonRun.run(frames: frames)
        #expect(run.findingIDs == [.captureBlind])
        #expect(run.findings.first?.frames == [1, 2])
    }
}
