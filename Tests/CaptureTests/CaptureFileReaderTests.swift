import Foundation
import Testing
@testable import Capture

/// One row of tshark's view of a frame (Fixtures/frames.tsv, made by Fixtures/regenerate.sh).
struct ExpectedFrame {
    var file: String
    var number: Int
    var time: String
    var capturedLength: Int
    var originalLength: Int
    var interfaceID: Int?

    static let all: [ExpectedFrame] = {
        let text = (try? String(contentsOf: TestPaths.fixtures.appendingPathComponent("frames.tsv"), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").compactMap { line in
            let columns = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard columns.count >= 5, let number = Int(columns[1]), let captured = Int(columns[3]),
                  let original = Int(columns[4]) else { return nil }
            return ExpectedFrame(file: columns[0], number: number, time: columns[2], capturedLength: captured,
                                 originalLength: original, interfaceID: columns.count > 5 ? Int(columns[5]) : nil)
        }
    }()

    static var files: [String] { Array(Set(all.map(\.file))).sorted() }
}

func readAll(_ path: String) throws -> (frames: [Frame], reader: CaptureFileReader) {
    let reader = try CaptureFileReader(path: path)
    var frames: [Frame] = []
    while let frame = try reader.next() { frames.append(frame) }
    return (frames, reader)
}

func epochText(_ frame: Frame) -> String {
    let fraction = String(frame.nanoseconds)
    return "\(frame.seconds)." + String(repeating: "0", count: 9 - fraction.count) + fraction
}

@Suite("Capture file reader")
struct CaptureFileReaderTests {
    @Test("agrees with tshark on every frame's time, lengths and interface", arguments: ExpectedFrame.files)
    func agreesWithTshark(file: String) throws {
        let expected = ExpectedFrame.all.filter { $0.file == file }
        let (frames, reader) = try readAll(TestPaths.corpusFile(file))
        #expect(reader.warnings.isEmpty)
        try #require(frames.count == expected.count)
        try #require(frames.count > 0)
        for (frame, want) in zip(frames, expected) {
            #expect(frame.number == want.number)
            // A simple packet block has no timestamp (tshark shows none, we show 0).
            if !want.time.isEmpty { #expect(epochText(frame) == want.time, "frame \(want.number) of \(file)") }
            #expect(frame.capturedLength == want.capturedLength)
            #expect(frame.originalLength == want.originalLength)
            if let id = want.interfaceID, reader.format == .pcapng { #expect(frame.interfaceIndex == id) }
        }
    }

    @Test("classic pcap formats: microsecond LE, nanosecond LE and BE")
    func classicFormats() throws {
        let micro = try CaptureFileReader(path: TestPaths.corpusFile("gopacket/test_ethernet.pcap"))
        #expect(micro.format == .pcap && micro.linkType == 1)
        let nanoLE = try readAll(TestPaths.corpusFile("tcpdump/tcp-handshake-nano.pcap"))
        #expect(nanoLE.reader.linkType == 113)
        #expect(nanoLE.frames.contains { $0.nanoseconds % 1000 != 0 }, "nanosecond digits are kept")
        let nanoBE = try readAll(TestPaths.corpusFile("pcapplusplus/nanosecs_big_endian.pcap"))
        #expect(nanoBE.frames.count == 10)
        #expect(nanoBE.frames.allSatisfy { $0.interfaceIndex == nil })
    }

    @Test("pcapng with several interfaces keeps each frame's link type and interface")
    func pcapngInterfaces() throws {
        let (frames, _) = try readAll(TestPaths.corpusFile("pcapplusplus/many_interfaces-1.pcapng"))
        #expect(Set(frames.compactMap(\.interfaceIndex)).count > 1)
        let mixed = try readAll(TestPaths.corpusFile("pcapng-test-generator/le_test006.pcapng"))
        #expect(Set(mixed.frames.map(\.linkType)).count > 1, "le_test006 mixes link types")
    }

    @Test("non-frame pcapng blocks (custom, name resolution, statistics) are skipped")
    func skipsOtherBlocks() throws {
        let (frames, reader) = try readAll(TestPaths.corpusFile("pcapng-test-generator/le_test102.pcapng"))
        #expect(frames.count == 5)
        #expect(reader.warnings.isEmpty)
    }

    @Test("an empty file is an error naming it")
    func emptyFile() throws {
        let path = TestPaths.temporaryFile("empty.pcap")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect {
            _ = try CaptureFileReader(path: path)
        } throws: { error in
            "\(error)".contains(path) && "\(error)".contains("empty")
        }
    }

    @Test("a header-only pcap holds no frames and is fine")
    func headerOnly() throws {
        let (frames, reader) = try readAll(TestPaths.corpusFile("tcpdump/empty.pcap"))
        #expect(frames.isEmpty && reader.warnings.isEmpty)
    }

    @Test("garbage is not a capture", arguments: [Array("hello, world\n".utf8), [0x00], [0xa1, 0xb2], Array(repeating: 0xff, count: 100)])
    func garbage(bytes: [UInt8]) throws {
        let path = TestPaths.temporaryFile("garbage")
        _ = FileManager.default.createFile(atPath: path, contents: Data(bytes))
        #expect(throws: CaptureError.self) { _ = try readAll(path) }
    }

    @Test("a missing file is an error naming it")
    func missingFile() {
        #expect { _ = try CaptureFileReader(path: "/nonexistent/x.pcap") } throws: { "\($0)".contains("/nonexistent/x.pcap") }
    }

    @Test("libpcap's reject tests are rejected", arguments: [
        "libpcap/linktype-reserved-field-not-zero.pcap", "libpcap/pcap-invalid-version-1.pcap",
        "libpcap/pcapng-invalid-vers-1.pcapng", "libpcap/pcapng-invalid-vers-2.pcapng", "libpcap/shb-option-too-long.pcapng",
    ])
    func rejects(file: String) {
        #expect(throws: CaptureError.self) { _ = try readAll(TestPaths.corpusFile(file)) }
    }

    @Test("every cut of a file delivers the whole frames before the cut and warns where it was cut",
          arguments: ["gopacket/test_ethernet.pcap", "pcapng-test-generator/le_test001.pcapng"])
    func truncation(file: String) throws {
        let data = try Data(contentsOf: URL(fileURLWithPath: TestPaths.corpusFile(file)))
        let (whole, _) = try readAll(TestPaths.corpusFile(file))
        // Where each whole frame's record ends: a cut exactly there loses nothing and needs no warning.
        var recordEnds: Set<Int> = []
        let boundaryReader = try CaptureFileReader(path: TestPaths.corpusFile(file))
        while try boundaryReader.next() != nil { recordEnds.insert(boundaryReader.bytesConsumed) }
        let path = TestPaths.temporaryFile("cut")
        var previous = 0
        for cut in stride(from: 1, to: data.count, by: 7) {
            _ = FileManager.default.createFile(atPath: path, contents: data.prefix(cut))
            let frames: [Frame]
            let reader: CaptureFileReader
            do {
                (frames, reader) = try readAll(path)
            } catch {
                // Only a cut before the first whole frame (inside the file or section header) may fail outright.
                #expect(previous == 0, "cut at \(cut): \(error)")
                continue
            }
            #expect(frames.count >= previous, "a longer prefix never yields fewer frames")
            previous = frames.count
            for (frame, original) in zip(frames, whole) { #expect(frame.bytes == original.bytes) }
            if frames.count < whole.count, frames.count > 0, !recordEnds.contains(cut) {
                // Cut inside a record: the warning names the cut; the frames before it all arrived.
                #expect(reader.warnings.count == 1)
                #expect(reader.warnings.first?.description.contains("cut short") == true)
            }
        }
    }

    @Test("records that straddle the read buffer, or are larger than it, come back byte for byte (file and pipe)")
    func recordsAcrossTheReadBuffer() throws {
        // Sizes chosen to cross the 1 MiB read buffer at every offset of a record header and of its bytes, and
        // one record of 2.5 MiB (the buffer grows for it), then small ones after it.
        // The sizes step by a prime through 0...1600, the same every run.
        var sizes = (0..<3_000).map { ($0 &* 7_919) % 1_601 }
        sizes.append(ByteSource.chunkSize * 5 / 2)
        sizes += (0..<2_000).map { ($0 &* 104_729) % 1_601 }
        var file: [UInt8] = []
        func le32(_ value: Int) { withUnsafeBytes(of: UInt32(value).littleEndian) { file += $0 } }
        // Classic pcap, microseconds, little-endian, snap length 4 MiB, Ethernet.
        le32(0xa1b2_c3d4); file += [2, 0, 4, 0]; le32(0); le32(0); le32(4 << 20); le32(1)
        var expected: [[UInt8]] = []
        for (index, size) in sizes.enumerated() {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
            le32(index); le32(index % 1_000_000); le32(size); le32(size)
            file += bytes
            expected.append(bytes)
        }
        let path = TestPaths.temporaryFile("straddle.pcap")
        try Data(file).write(to: URL(fileURLWithPath: path))
        let (frames, _) = try readAll(path)
        #expect(frames.count == expected.count)
        #expect(frames.map(\.bytes) == expected)
        #expect(frames.map(\.number) == Array(1...expected.count))

        // The same bytes through a pipe: reads return whatever the pipe holds, never a whole buffer at once.
        var descriptors: [Int32] = [0, 0]
        #expect(pipe(&descriptors) == 0)
        let (readEnd, writeEnd) = (descriptors[0], descriptors[1])
        let whole = file
        let writer = Thread {
            whole.withUnsafeBytes { raw in
                var offset = 0
                while offset < raw.count, let base = raw.baseAddress {
                    let written = write(writeEnd, base + offset, min(65_536, raw.count - offset))
                    if written <= 0 { break }
                    offset += written
                }
            }
            close(writeEnd)
        }
        writer.start()
        let reader = try CaptureFileReader(source: ByteSource(fd: readEnd, ownsDescriptor: true), path: "-",
                                           firstFrameNumber: 1)
        var piped: [[UInt8]] = []
        while let frame = try reader.next() { piped.append(frame.bytes) }
        #expect(piped == expected)
    }

    @Test("an invalid fraction of a second is clamped and reported once")
    func invalidMicroseconds() throws {
        let (frames, reader) = try readAll(TestPaths.corpusFile("tcpdump/timestamp_invalid_micro.pcap"))
        #expect(frames.count == 3)
        #expect(frames.map(\.seconds) == [1_418_145_369, 1_418_145_370, 1_418_145_370])
        #expect(frames[1].nanoseconds == 999_999_000 && frames[2].nanoseconds == 999_999_000)
        #expect(reader.warnings.count == 1)
        #expect(reader.warnings.first?.description.contains("frame 2") == true)
    }
}
