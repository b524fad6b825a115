/// Why a direction's byte stream ended.
public enum StreamEndReason: String, Sendable, Hashable {
    /// The sender's FIN was reached with every byte before it delivered (or declared missing).
    case fin
    /// A RST ended the connection.
    case reset
    /// The session ended without a FIN in this direction (end of capture, idle expiry or eviction).
    case sessionEnd = "session_end"
}

/// A piece of one direction's byte stream, handed to the consumer strictly in stream order.
/// Offsets count from 0 = the first byte after the SYN (or the first byte seen, when the SYN was missed).
public enum StreamChunk: Sendable {
    /// Bytes at `offset`, first copy seen, carried by frame `frame`. The slice shares the frame's storage.
    case data(ArraySlice<UInt8>, offset: Int64, frame: Int)
    /// `length` bytes at `offset` that the capture never held (a hole), declared while processing `frame`.
    case gap(length: Int64, offset: Int64, frame: Int)
    /// No more bytes in this direction.
    case end(offset: Int64, frame: Int, reason: StreamEndReason)
}

/// Limits on what one direction may buffer (peer-controlled quantities: every one is capped).
struct ReassemblyLimits: Sendable {
    /// Out-of-order pieces held at once.
    var maxPieces: Int
    /// Out-of-order bytes held at once by this direction.
    var maxBytes: Int
    /// Bytes held by all directions of all flows together (checked against the shared budget).
    var maxTotalBytes: Int
    /// Recently delivered bytes kept to compare retransmissions against (0 disables the check).
    var overlapWindow: Int
}

/// What one call into the reassembler observed.
struct ReassemblyObservation {
    /// An overlapping copy disagreed with the first copy of the same bytes.
    var mismatch = false
    /// Bytes of this segment that had been seen before (retransmitted).
    var overlapBytes: Int64 = 0
    /// A cap forced a hole to be declared.
    var capHit = false
}

/// Reassembles one direction of a TCP connection: in-order delivery across retransmissions, overlaps (the
/// first copy wins; disagreeing copies are reported), out-of-order pieces buffered under caps, holes declared
/// as explicit gaps. Memory: the buffered out-of-order pieces plus a fixed window of recent bytes; nothing
/// grows with the length of the stream.
struct Reassembler {
    private struct Piece {
        var offset: Int64
        var bytes: [UInt8]
        var frame: Int
        var end: Int64 { offset + Int64(bytes.count) }
    }

    /// Sequence number of stream offset 0.
    let base: SequenceNumber
    let limits: ReassemblyLimits
    /// Next stream offset to deliver; everything before it has been delivered or declared a gap.
    private(set) var next: Int64 = 0
    private var pieces: [Piece] = []
    private(set) var bufferedBytes = 0
    private(set) var deliveredBytes: Int64 = 0
    private(set) var gapBytes: Int64 = 0
    private(set) var gapCount = 0
    /// Offset of the FIN, once seen.
    private(set) var finOffset: Int64?
    private(set) var ended = false
    /// Ring of the last `overlapWindow` delivered bytes, valid from `recentValidFrom`. It grows as the stream first
    /// passes through it, so a short stream never allocates (and zeroes) the whole window.
    private var recent: [UInt8] = []
    private var recentValidFrom: Int64 = 0

    init(base: SequenceNumber, limits: ReassemblyLimits) {
        self.base = base
        self.limits = limits
    }

    /// The stream offset of `sequence`, unwrapped near the delivery point (RFC 1982 distance, so a stream may
    /// cross the 2^32 wrap any number of times).
    func offset(of sequence: SequenceNumber) -> Int64 {
        // Sequence number of `next`: truncating is the modulo-2^32 projection of the 64-bit offset.
        let nextSequence = base + UInt32(truncatingIfNeeded: next)
        return next + Int64(sequence - nextSequence)
    }

    /// Offers a segment's payload at `offset`.
    mutating func segment(offset: Int64, bytes: ArraySlice<UInt8>, frame: Int, budget: inout Int,
                          emit: (StreamChunk) -> Void) -> ReassemblyObservation {
        var observation = ReassemblyObservation()
        insert(offset: offset, bytes: bytes, frame: frame, budget: &budget, observation: &observation, emit: emit)
        return observation
    }

    private mutating func insert(offset: Int64, bytes: ArraySlice<UInt8>, frame: Int, budget: inout Int,
                                 observation: inout ReassemblyObservation, emit: (StreamChunk) -> Void) {
        guard !ended, !bytes.isEmpty else { return }
        var start = offset
        var end = offset + Int64(bytes.count)
        if let finOffset, end > finOffset { end = finOffset }  // bytes past the FIN are not part of the stream
        guard end > start else { return }
        var low = bytes.startIndex
        if start < next {
            let overlapEnd = min(end, next)
            observation.overlapBytes += overlapEnd - start
            if compareDelivered(from: start, to: overlapEnd, bytes: bytes, low: low) { observation.mismatch = true }
            guard end > next else { return }
            low += Int(next - start)
            start = next
        }
        let length = Int(end - start)
        let high = low + length
        // Fast path: exactly the next bytes, nothing buffered in their way: hand over the frame's own bytes.
        if start == next, pieces.first.map({ $0.offset >= end }) ?? true {
            deliver(bytes[low..<high], offset: start, frame: frame, emit: emit)
            drain(frame: frame, budget: &budget, emit: emit)
            return
        }
        // Caps: declare the oldest hole a gap until the new bytes fit.
        while !pieces.isEmpty,
              pieces.count >= limits.maxPieces || bufferedBytes + length > limits.maxBytes
                || budget + length > limits.maxTotalBytes {
            observation.capHit = true
            skip(to: pieces[0].offset, frame: frame, budget: &budget, emit: emit)
        }
        if start < next || pieces.isEmpty && start == next {
            // The skip moved `next` over (part of) this segment: start again from the new delivery point.
            insert(offset: start, bytes: bytes[low..<high], frame: frame, budget: &budget, observation: &observation,
                   emit: emit)
            return
        }
        if length > limits.maxBytes || budget + length > limits.maxTotalBytes {
            // Cannot buffer even alone: what lies before it is lost for good.
            observation.capHit = true
            skip(to: start, frame: frame, budget: &budget, emit: emit)
            deliver(bytes[low..<high], offset: start, frame: frame, emit: emit)
            drain(frame: frame, budget: &budget, emit: emit)
            return
        }
        // First copy wins: keep only the parts no buffered piece covers; compare the parts one does.
        var cursor = start
        var index = 0
        var added: [(Int, Piece)] = []
        while index < pieces.count, cursor < end {
            let piece = pieces[index]
            if piece.end <= cursor { index += 1; continue }
            if piece.offset >= end { break }
            if piece.offset > cursor {
                let from = low + Int(cursor - start), to = low + Int(piece.offset - start)
                added.append((index, Piece(offset: cursor, bytes: Array(bytes[from..<to]), frame: frame)))
                cursor = piece.offset
            }
            let overlapEnd = min(end, piece.end)
            observation.overlapBytes += overlapEnd - cursor
            for position in cursor..<overlapEnd
            where piece.bytes[Int(position - piece.offset)] != bytes[low + Int(position - start)] {
                observation.mismatch = true
                break
            }
            cursor = overlapEnd
            index += 1
        }
        if cursor < end {
            added.append((index, Piece(offset: cursor, bytes: Array(bytes[(low + Int(cursor - start))..<high]),
                                       frame: frame)))
        }
        for (shift, (position, piece)) in added.enumerated() {
            pieces.insert(piece, at: position + shift)
            bufferedBytes += piece.bytes.count
            budget += piece.bytes.count
        }
        drain(frame: frame, budget: &budget, emit: emit)
    }

    /// Records the FIN at `offset`; the stream ends once everything before it is delivered.
    mutating func fin(at offset: Int64, frame: Int, budget: inout Int, emit: (StreamChunk) -> Void) {
        guard finOffset == nil, !ended, offset >= next else { return }
        finOffset = offset
        // Buffered bytes past the FIN cannot be part of the stream.
        while let last = pieces.last, last.end > offset {
            if last.offset >= offset {
                bufferedBytes -= last.bytes.count
                budget -= last.bytes.count
                pieces.removeLast()
            } else {
                pieces[pieces.count - 1].bytes.removeLast(Int(last.end - offset))
                bufferedBytes -= Int(last.end - offset)
                budget -= Int(last.end - offset)
            }
        }
        if next == offset {
            ended = true
            emit(.end(offset: next, frame: frame, reason: .fin))
        }
    }

    /// The peer acknowledged every byte before `offset`: bytes it received that the capture lacks are a gap.
    mutating func acknowledged(upTo offset: Int64, frame: Int, budget: inout Int, emit: (StreamChunk) -> Void) {
        guard !ended, offset > next else { return }
        var target = offset
        if let finOffset, target > finOffset { target = finOffset }
        // An ACK more than 1 GiB ahead of what we saw is not evidence of a hole but of confusion.
        guard target - next < 1 << 30 else { return }
        skip(to: target, frame: frame, budget: &budget, emit: emit)
    }

    /// Ends the stream: buffered bytes are delivered with gaps for the holes before them, then `end`.
    mutating func close(frame: Int, reason: StreamEndReason, budget: inout Int, emit: (StreamChunk) -> Void) {
        guard !ended else { return }
        if let last = pieces.last { skip(to: last.end, frame: frame, budget: &budget, emit: emit) }
        if let finOffset, finOffset > next, finOffset - next < 1 << 30 {
            skip(to: finOffset, frame: frame, budget: &budget, emit: emit)
        }
        if !ended {
            ended = true
            emit(.end(offset: next, frame: frame, reason: finOffset == next ? .fin : reason))
        }
    }

    /// Out-of-order pieces buffered right now.
    var bufferedPieceCount: Int { pieces.count }

    // MARK: - Internals

    private mutating func skip(to target: Int64, frame: Int, budget: inout Int, emit: (StreamChunk) -> Void) {
        while next < target {
            if let first = pieces.first, first.offset <= next {
                drain(frame: frame, budget: &budget, emit: emit)
                continue
            }
            let stop = min(target, pieces.first?.offset ?? target)
            emit(.gap(length: stop - next, offset: next, frame: frame))
            gapBytes += stop - next
            gapCount += 1
            next = stop
            recentValidFrom = next
        }
        drain(frame: frame, budget: &budget, emit: emit)
    }

    private mutating func drain(frame: Int, budget: inout Int, emit: (StreamChunk) -> Void) {
        while let first = pieces.first, first.offset <= next {
            pieces.removeFirst()
            bufferedBytes -= first.bytes.count
            budget -= first.bytes.count
            if first.end > next {
                let skipBytes = Int(next - first.offset)
                deliver(first.bytes[skipBytes...], offset: next, frame: first.frame, emit: emit)
            }
        }
        if let finOffset, next == finOffset, !ended {
            ended = true
            emit(.end(offset: next, frame: frame, reason: .fin))
        }
    }

    private mutating func deliver(_ bytes: ArraySlice<UInt8>, offset: Int64, frame: Int, emit: (StreamChunk) -> Void) {
        emit(.data(bytes, offset: offset, frame: frame))
        let window = limits.overlapWindow
        if window > 0 {
            // Only the last `window` bytes matter.
            let keep = bytes.suffix(window)
            let position = Int((offset + Int64(bytes.count - keep.count)) % Int64(window))
            // At most two block copies: up to the end of the ring, then the rest from its start (only once the first
            // reached the end, so the ring is full size by then).
            let first = min(keep.count, window - position)
            // While the ring is still growing the first part extends it, after zeros for positions a gap skipped
            // (until they are written) or in place of older bytes it overwrites.
            let extends = recent.count < position + first
            // Past the first segment, room for the whole window at once: growing by doubling reallocated and
            // copied the ring three or four times per direction of every connection.
            if extends, recent.capacity < position + first, !recent.isEmpty { recent.reserveCapacity(window) }
            if extends {
                if recent.count < position {
                    recent.append(contentsOf: repeatElement(0, count: position - recent.count))
                } else {
                    recent.removeSubrange(position...)
                }
                recent.append(contentsOf: keep.prefix(first))
            }
            recent.withUnsafeMutableBufferPointer { ring in
                keep.withUnsafeBufferPointer { source in
                    if !extends {
                        _ = UnsafeMutableBufferPointer(rebasing: ring[position..<(position + first)])
                            .update(fromContentsOf: UnsafeBufferPointer(rebasing: source[0..<first]))
                    }
                    _ = UnsafeMutableBufferPointer(rebasing: ring[0..<(source.count - first)])
                        .update(fromContentsOf: UnsafeBufferPointer(rebasing: source[first...]))
                }
            }
        }
        next = offset + Int64(bytes.count)
        deliveredBytes += Int64(bytes.count)
    }

    /// Compares bytes that overlap already-delivered data with the retained window. True on a mismatch.
    private func compareDelivered(from start: Int64, to end: Int64, bytes: ArraySlice<UInt8>, low: Int) -> Bool {
        let window = Int64(limits.overlapWindow)
        guard window > 0, !recent.isEmpty else { return false }
        let from = max(start, recentValidFrom, next - window)
        guard from < end else { return false }
        for position in from..<end {
            // Positions from `recentValidFrom` on were written, so the ring reaches them; checked all the same.
            let index = Int(position % window)
            if index < recent.count, recent[index] != bytes[low + Int(position - start)] { return true }
        }
        return false
    }
}
