import Capture
import Lessons
import Testing
import Wire

@Suite struct BoardDetectionTests {
    @Test func espressifCorpusCapture() throws {
        let path = Paths.corpus.appendingPathComponent("ndpi/tuya_lp.pcap").path
        let run = try LessonRun.run(path: path)
        let board = try #require(run.board)
        // Frame 1 comes from dc:4f:22:bd:40:a1 (DC4F22 is an Espressif block).
        #expect(board.mac == MACAddress("dc:4f:22:bd:40:a1"))
        #expect(board.ip == IPAddress("192.168.242.181"))
        #expect(board.decidedAtFrame == 1)
        #expect(board.evidence.first?.kind == "espressif-mac")
        #expect(board.reason.contains("Espressif"))
    }

    @Test func captureWithoutEspressifMAC() throws {
        let path = Paths.corpus.appendingPathComponent("gopacket/test_ethernet.pcap").path
        let run = try LessonRun.run(path: path)
        #expect(run.board == nil)
        // Lessons still work without a board: every frame has a step.
        #expect(!run.lessons.isEmpty)
    }

    @Test func labCapturesFindTheBoard() throws {
        for name in Paths.allCaptures {
            let run = try LessonRun.run(path: Paths.capture(name))
            let board = try #require(run.board, "\(name)")
            #expect(board.mac == MACAddress("5c:cf:7f:a1:b2:c3"), "\(name)")
            let expectedIP = name == "wifi-join.pcap" ? "192.168.4.114" : "192.168.4.2"
            #expect(board.ip == IPAddress(expectedIP), "\(name)")
        }
    }

    /// `isDecided` (read for every frame) turns true exactly at the frame that decided the board.
    @Test func decidedAtTheDecidingFrame() throws {
        let path = Paths.corpus.appendingPathComponent("ndpi/tuya_lp.pcap").path
        let reader = try CaptureFileReader(path: path)
        var detector = BoardDetector(override: nil)
        #expect(!detector.isDecided)
        var decidingFrames: [Int] = []
        while let frame = try reader.next() {
            let decidedBefore = detector.isDecided
            if detector.feed(FrameDecoder.decode(frame.bytes, linkType: frame.linkType), number: frame.number,
                             bytes: frame.bytes) {
                decidingFrames.append(frame.number)
                #expect(!decidedBefore)
            }
            #expect(detector.isDecided == (detector.board != nil))
        }
        #expect(decidingFrames == [1])
        #expect(detector.isDecided)
    }

    @Test func ouiTable() {
        #expect(EspressifOUI.prefixes.count == 303)
        #expect(EspressifOUI.match(MACAddress("5c:cf:7f:00:00:01")!) == .registered)
        #expect(EspressifOUI.match(MACAddress("18:fe:34:00:00:01")!) == .registered)
        // The softAP MAC: station prefix with 0x02 set in the first byte (A0:20:A6 -> A2:20:A6).
        #expect(EspressifOUI.match(MACAddress("a2:20:a6:12:34:56")!) == .locallyAdministered)
        #expect(EspressifOUI.match(MACAddress("1a:fe:34:12:34:56")!) == .locallyAdministered)
        // The lab's server (02:00:00…) and a multicast address are not boards.
        #expect(EspressifOUI.match(MACAddress("02:00:00:00:04:01")!) == nil)
        #expect(EspressifOUI.match(MACAddress("5d:cf:7f:00:00:01")!) == nil)
        #expect(EspressifOUI.match(MACAddress("00:11:22:33:44:55")!) == nil)
    }

    @Test func hostnames() {
        for name in ["ESP_A1B2C3", "ESP-A1B2C3", "esp_a1b2c3", "mpy-esp8266", "mpy-esp32", "mpy-esp32s3", "espressif"] {
            #expect(BoardDetector.isDefaultHostname(name), "\(name)")
        }
        for name in ["ESP_A1B2", "ESP_A1B2CG", "laptop", "mpy-rp2", "ESP_A1B2C3D4", ""] {
            #expect(!BoardDetector.isDefaultHostname(name), "\(name)")
        }
    }

    @Test func lwIPFingerprintWithoutEspressifMAC() {
        var script = TCPScript(board: .plainBoard)
        script.connect()
        let run = LessonRun.run(frames: script.frames)
        let board = run.board
        #expect(board?.ip == IPAddress("192.168.4.2"))
        #expect(board?.evidence.first?.kind == "lwip-fingerprint")
        #expect(board?.decidedAtFrame == 1)
        #expect(board?.reason.contains("6509") == true)
        // Not an lwIP SYN: a Linux-like window and TTL 64.
        var linux = TCPScript(board: .plainBoard)
        linux.boardWindow = 64240
        linux.connect()
        #expect(LessonRun.run(frames: linux.frames).board == nil)
    }

    @Test func dhcpHostnameWithoutEspressifMAC() {
        let frames = [RawFrame(bytes: Craft.dhcpDiscover(mac: Host.plainBoard.mac, hostname: "mpy-esp8266"),
                               timeNanoseconds: 1_000_000_000)]
        let run = LessonRun.run(frames: frames)
        #expect(run.board?.mac == MACAddress("00:11:22:33:44:55"))
        #expect(run.board?.evidence.first?.kind == "dhcp-hostname")
        #expect(run.lessons.first?.lesson.step.id == .wifiJoin)
    }

    @Test func overrideByIPAndMAC() throws {
        #expect(BoardOverride("192.168.4.1") == .ip(IPAddress("192.168.4.1")!))
        #expect(BoardOverride("02:00:00:00:04:01") == .mac(MACAddress("02:00:00:00:04:01")!))
        #expect(BoardOverride("board") == nil)
        // Calling the server "the board" turns the http-get lesson around: the board is now a TCP server.
        let run = try LessonRun.run(path: Paths.capture("http-get.pcap"),
                                    options: LessonOptions(board: BoardOverride("192.168.4.1")))
        #expect(run.board?.evidence.first?.kind == "option")
        #expect(run.board?.mac == MACAddress("02:00:00:00:04:01"))  // learned from its ARP reply
        #expect(run.sessions.first?.board == .server)
        let syn = try #require(run.lessons.first { $0.number == 3 })
        #expect(syn.lesson.step.id == .accept)
    }

    @Test func streamingDecidesAtFirstEvidence() {
        // Unrelated traffic first, then the board's lwIP SYN at frame 2.
        var script = TCPScript(board: .plainBoard)
        script.connect()
        let noise = RawFrame(bytes: Craft.udp(from: .other, to: .server, sourcePort: 5000, destinationPort: 6000,
                                              payload: [1, 2, 3]), timeNanoseconds: script.frames[0].timeNanoseconds - 1000)
        let run = LessonRun.run(frames: [noise] + script.frames)
        #expect(run.board?.decidedAtFrame == 2)
        // Before the board was known, frame 1 was read as a lesson of its own; after, others' traffic is "other".
        #expect(run.lessons[1].lesson.step.id == .connect)
        let prescanned = LessonRun.run(frames: [noise] + script.frames, prescan: true)
        #expect(prescanned.lessons[0].lesson.step.id == .other)
    }
}
