import Foundation
import Testing
@testable import Capture

@Suite("pcap writer")
struct PcapWriterTests {
    @Test("frames written come back identical, and tshark-compatible header")
    func roundTrip() throws {
        let (frames, reader) = try readAll(TestPaths.corpusFile("gopacket/test_ethernet.pcap"))
        let path = TestPaths.temporaryFile("out.pcap")
        let writer = try PcapWriter(path: path, linkType: reader.linkType, snapLength: 262_144)
        for frame in frames { try writer.write(frame) }
        writer.close()
        let (again, againReader) = try readAll(path)
        #expect(againReader.linkType == reader.linkType)
        #expect(again.count == frames.count)
        for (a, b) in zip(again, frames) {
            #expect(a.bytes == b.bytes)
            #expect(a.seconds == b.seconds && a.nanoseconds / 1000 == b.nanoseconds / 1000)
            #expect(a.originalLength == b.originalLength)
        }
    }

    @Test("a full disk is reported and the file still ends on a whole record")
    func fullDisk() throws {
        guard FileManager.default.fileExists(atPath: "/dev/full") else { return }
        #expect(throws: CaptureError.self) {
            let writer = try PcapWriter(path: "/dev/full", linkType: 1, snapLength: 65535)
            try writer.write(Frame(number: 1, seconds: 0, nanoseconds: 0, originalLength: 3, linkType: 1, bytes: [1, 2, 3]))
        }
    }
}
