#if canImport(Glibc)
import Glibc
#endif
@testable import Render
import Testing

/// `OutputSink` puts out exactly the bytes written to it, in order, whether written as text, bytes or lines built
/// in place, and flushes when its buffer passes the threshold.
@Suite struct OutputSinkTests {
    /// Everything written to a sink on the write end of a pipe, as read back from the read end, after `write`.
    static func output(flushThreshold: Int, _ write: (OutputSink) -> Void) -> [UInt8] {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return [] }
        defer { close(ends[0]) }
        do {
            let sink = OutputSink(fd: ends[1], flushThreshold: flushThreshold)
            write(sink)
            sink.flush()
        }
        close(ends[1])
        var result: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(ends[0], $0.baseAddress, $0.count) }
            guard count > 0 else { break }
            result += chunk[0..<count]
        }
        return result
    }

    @Test func textBytesAndLinesInOrder() {
        let bytes = Self.output(flushThreshold: 1 << 16) { sink in
            sink.write("héllo ")
            sink.write(bytes: Array("bytes".utf8))
            sink.write(bytes: Array("..slice..".utf8)[2..<7])
            sink.endLine()
            sink.writeLine { json in
                json.beginObject(); json.field("a", 1); json.endObject()
            }
            sink.write(lines: Array("one\ntwo\n".utf8))
            sink.writeLine { json in json.beginArray(); json.endArray() }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "héllo bytesslice\n{\"a\":1}\none\ntwo\n[]\n")
    }

    /// Lines past the threshold go out as they are finished; what is pending is what is not out yet.
    @Test func flushesPastTheThreshold() {
        var pendingAfterEachLine: [Int] = []
        let bytes = Self.output(flushThreshold: 10) { sink in
            for number in 0..<5 {
                sink.writeLine { json in json.int(number * 1_111) }
                pendingAfterEachLine.append(sink.pendingByteCount)
            }
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "0\n1111\n2222\n3333\n4444\n")
        // "0\n" (2) waits; "1111\n" makes 7: waits; "2222\n" makes 12 ≥ 10: out. And so on.
        #expect(pendingAfterEachLine == [2, 7, 0, 5, 0])
    }

    @Test func flushEachLineLeavesNothingPending() {
        let bytes = Self.output(flushThreshold: 1 << 16) { sink in
            sink.flushEachLine = true
            sink.writeLine { json in json.string("x") }
            #expect(sink.pendingByteCount == 0)
            sink.write("y")
            sink.endLine()
            #expect(sink.pendingByteCount == 0)
        }
        #expect(String(decoding: bytes, as: UTF8.self) == "\"x\"\ny\n")
    }
}
