import Testing
import Wire
@testable import Sessions

@Suite("Reassembly")
struct ReassemblyTests {
    static let limits = ReassemblyLimits(maxPieces: 10_000, maxBytes: 1 << 24, maxTotalBytes: 1 << 26,
                                         overlapWindow: 4096)

    /// A random stream cut into random segments, some never sent, the rest duplicated and reordered, starting
    /// just before the 2^32 wrap: the consumer gets exactly the original bytes, with gaps exactly where no
    /// segment was ever sent.
    @Test("random segmentation, duplication, reordering and loss", arguments: 1...40)
    func property(seed: UInt64) {
        var rng = SeededGenerator(seed: seed)
        let length = Int.random(in: 1...6000, using: &rng)
        let original = (0..<length).map { _ in UInt8.random(in: 0...255, using: &rng) }
        let isn = SequenceNumber(UInt32.max - UInt32.random(in: 0...3000, using: &rng))
        var cuts: [Range<Int>] = []
        var position = 0
        while position < length {
            let size = min(Int.random(in: 1...700, using: &rng), length - position)
            cuts.append(position..<(position + size))
            position += size
        }
        var sent = [Bool](repeating: false, count: length)
        var segments: [Range<Int>] = []
        for cut in cuts where Int.random(in: 0..<10, using: &rng) != 0 {  // ~10% never sent
            segments.append(cut)
            for index in cut { sent[index] = true }
            if Bool.random(using: &rng) { segments.append(cut) }  // a retransmission
            if Bool.random(using: &rng), cut.count > 2 {
                // A partial retransmission overlapping the middle of the segment.
                let lower = Int.random(in: cut.lowerBound..<(cut.upperBound - 1), using: &rng)
                segments.append(lower..<Int.random(in: (lower + 1)...cut.upperBound, using: &rng))
            }
        }
        segments.shuffle(using: &rng)
        var reassembler = Reassembler(base: isn + 1, limits: Self.limits)
        var budget = 0
        var received = [UInt8?](repeating: nil, count: length)
        var gapMap = [Bool](repeating: false, count: length)
        var expectedOffset: Int64 = 0
        var contiguous = true
        let emit: (StreamChunk) -> Void = { chunk in
            switch chunk {
            case .data(let bytes, let offset, _):
                if offset != expectedOffset { contiguous = false }
                for (index, byte) in bytes.enumerated() where Int(offset) + index < length {
                    received[Int(offset) + index] = byte
                }
                expectedOffset = offset + Int64(bytes.count)
            case .gap(let gapLength, let offset, _):
                if offset != expectedOffset { contiguous = false }
                for index in Int(offset)..<Int(offset + gapLength) where index < length { gapMap[index] = true }
                expectedOffset = offset + gapLength
            case .end: break
            }
        }
        for segment in segments {
            let sequence = isn + 1 + UInt32(segment.lowerBound)
            let offset = reassembler.offset(of: sequence)
            _ = reassembler.segment(offset: offset, bytes: original[segment], frame: 1, budget: &budget, emit: emit)
        }
        // The FIN after the last byte, then the end of the session flushes what is still held.
        reassembler.fin(at: reassembler.offset(of: isn + 1 + UInt32(length)), frame: 2, budget: &budget, emit: emit)
        reassembler.close(frame: 3, reason: .sessionEnd, budget: &budget, emit: emit)
        #expect(contiguous)
        #expect(budget == 0)
        #expect(expectedOffset == Int64(length))
        for index in 0..<length {
            if sent[index] {
                #expect(received[index] == original[index], "byte \(index)")
                #expect(!gapMap[index])
            } else {
                #expect(received[index] == nil)
                #expect(gapMap[index], "byte \(index) should be in a gap")
            }
        }
        #expect(reassembler.deliveredBytes == Int64(sent.filter { $0 }.count))
        #expect(reassembler.gapBytes == Int64(sent.filter { !$0 }.count))
    }

    @Test("an overlap whose bytes differ is reported; the first copy wins")
    func overlapMismatch() {
        var reassembler = Reassembler(base: SequenceNumber(100), limits: Self.limits)
        var budget = 0
        var out: [UInt8] = []
        let emit: (StreamChunk) -> Void = { if case .data(let bytes, _, _) = $0 { out += bytes } }
        // Out of order first, then a different copy of the same bytes, then the missing head.
        var observation = reassembler.segment(offset: 3, bytes: [4, 5, 6][...], frame: 1, budget: &budget, emit: emit)
        #expect(!observation.mismatch)
        observation = reassembler.segment(offset: 3, bytes: [4, 9, 6][...], frame: 2, budget: &budget, emit: emit)
        #expect(observation.mismatch)
        _ = reassembler.segment(offset: 0, bytes: [1, 2, 3][...], frame: 3, budget: &budget, emit: emit)
        #expect(out == [1, 2, 3, 4, 5, 6])
        observation = reassembler.segment(offset: 1, bytes: [2, 3][...], frame: 4, budget: &budget, emit: emit)
        #expect(!observation.mismatch)
        #expect(observation.overlapBytes == 2)
        observation = reassembler.segment(offset: 1, bytes: [2, 7][...], frame: 5, budget: &budget, emit: emit)
        #expect(observation.mismatch)
        #expect(out == [1, 2, 3, 4, 5, 6])
    }

    /// The ring of recent bytes grows as the stream passes through it: overlaps are compared the same before it is
    /// full, across its wrap, and after a gap (whose positions are never compared).
    @Test("the overlap check before the ring is full, across its wrap and after a gap")
    func overlapRing() {
        let small = ReassemblyLimits(maxPieces: 16, maxBytes: 1 << 16, maxTotalBytes: 1 << 20, overlapWindow: 16)
        var reassembler = Reassembler(base: SequenceNumber(0), limits: small)
        var budget = 0
        var out: [UInt8] = []
        let emit: (StreamChunk) -> Void = { if case .data(let bytes, _, _) = $0 { out += bytes } }
        let stream = (0..<40).map { UInt8($0 + 100) }
        func resend(_ range: Range<Int>, changing index: Int? = nil) -> Bool {
            var bytes = Array(stream[range])
            if let index { bytes[index - range.lowerBound] ^= 0xff }
            return reassembler.segment(offset: Int64(range.lowerBound), bytes: bytes[...], frame: 9, budget: &budget,
                                       emit: emit).mismatch
        }
        _ = reassembler.segment(offset: 0, bytes: stream[0..<5], frame: 1, budget: &budget, emit: emit)
        // Before the ring is full: the delivered bytes are compared, the same copy is no mismatch.
        #expect(!resend(0..<5))
        #expect(resend(0..<5, changing: 4))
        #expect(resend(2..<5, changing: 2))
        // Past the wrap (16 bytes): only the last 16 delivered bytes are compared, across the ring's end.
        for start in stride(from: 5, to: 40, by: 7) {
            _ = reassembler.segment(offset: Int64(start), bytes: stream[start..<min(40, start + 7)], frame: 2,
                                    budget: &budget, emit: emit)
        }
        #expect(out == stream)
        #expect(!resend(24..<40))
        #expect(resend(24..<40, changing: 31))
        #expect(resend(24..<40, changing: 39))
        #expect(!resend(0..<24, changing: 3))  // older than the window: not compared
        // After a gap nothing before it is compared, and the bytes after it are.
        var gapped = Reassembler(base: SequenceNumber(0), limits: small)
        gapped.acknowledged(upTo: 6, frame: 3, budget: &budget, emit: emit)
        _ = gapped.segment(offset: 6, bytes: [1, 2, 3][...], frame: 4, budget: &budget, emit: emit)
        #expect(!gapped.segment(offset: 0, bytes: [9, 9, 9, 9, 9, 9][...], frame: 5, budget: &budget, emit: emit).mismatch)
        #expect(gapped.segment(offset: 5, bytes: [9, 1, 7][...], frame: 6, budget: &budget, emit: emit).mismatch)
        #expect(!gapped.segment(offset: 6, bytes: [1, 2, 3][...], frame: 7, budget: &budget, emit: emit).mismatch)
        // A gap longer than the ring before it is full: the bytes after it land over the older ones.
        var wrapped = Reassembler(base: SequenceNumber(0), limits: small)
        _ = wrapped.segment(offset: 0, bytes: stream[0..<10], frame: 1, budget: &budget, emit: emit)
        wrapped.acknowledged(upTo: 18, frame: 2, budget: &budget, emit: emit)
        _ = wrapped.segment(offset: 18, bytes: stream[18..<30], frame: 3, budget: &budget, emit: emit)
        #expect(!wrapped.segment(offset: 18, bytes: stream[18..<30], frame: 4, budget: &budget, emit: emit).mismatch)
        #expect(wrapped.segment(offset: 28, bytes: [stream[28], 0][...], frame: 5, budget: &budget, emit: emit).mismatch)
        #expect(!wrapped.segment(offset: 5, bytes: [0, 0, 0][...], frame: 6, budget: &budget, emit: emit).mismatch)
    }

    @Test("an ACK past a hole turns it into a gap; SYN and FIN carrying data are delivered")
    func ackPastHoleAndSYNData() {
        let h = Harness()
        h.tcp(true, seq: 1000, [.syn], payload: [0x41])  // SYN with data (TFO-like)
        h.tcp(false, seq: 5000, ack: 1002, [.syn, .ack])
        h.tcp(true, seq: 1002, ack: 5001, .ack, payload: [0x42, 0x43])
        // 10 bytes at 1004..1013 are never captured; the server acknowledges them.
        h.tcp(true, seq: 1014, ack: 5001, .ack, payload: [0x44])
        h.tcp(false, seq: 5001, ack: 1015, .ack)
        h.tcp(false, seq: 5001, ack: 1015, [.fin, .ack], payload: [0x61, 0x62])
        let summary = try! #require(h.finish().first)
        #expect(h.streams[1]?[.clientToServer] == [0x41, 0x42, 0x43, 0x44])
        #expect(h.streams[1]?[.serverToClient] == [0x61, 0x62])
        #expect(h.gaps[1]?.count == 1)
        #expect(h.gaps[1]?.first?.offset == 3)
        #expect(h.gaps[1]?.first?.length == 10)
        #expect(summary.missedBytes == 10)
        #expect(summary.bytes.client == 4)
        #expect(summary.history.contains("G"))
    }

    @Test("a stream crossing 2^32 is delivered in order")
    func wrapAround() {
        let h = Harness()
        let isn: UInt32 = 0xffff_fff8
        h.tcp(true, seq: isn, .syn)
        h.tcp(false, seq: 5000, ack: isn &+ 1, [.syn, .ack])
        h.tcp(true, seq: isn &+ 1, ack: 5001, .ack)
        let first = [UInt8](0..<10), second = [UInt8](10..<30)
        h.tcp(true, seq: isn &+ 11, ack: 5001, .ack, payload: second)  // out of order, past the wrap
        let annotation = h.tcp(true, seq: isn &+ 1, ack: 5001, .ack, payload: first)
        #expect(annotation.relativeSequence == 1)
        #expect(h.streams[1]?[.clientToServer] == first + second)
    }
}
