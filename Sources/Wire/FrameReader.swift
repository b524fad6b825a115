/// The only code that touches frame bytes. Every read is bounds-checked and throws `WireError.truncated`
/// instead of trapping; when a `FieldRecorder` is attached, every read also records its field (byte range,
/// value, meaning). Without a recorder (the fast path) the `meaning` closures are never called.
///
/// Offsets are absolute in the captured frame. `end` is where the current layer's bytes stop: the captured
/// length at first, then whatever a length field (`ip.len`, `udp.length`) narrowed it to.
public struct FrameReader {
    public let bytes: [UInt8]
    public private(set) var offset: Int
    /// One past the last byte the current layer may read.
    public private(set) var end: Int
    /// What set `end`: "caplen" (the captured frame ends there) or the name of a length field.
    public var endReason: String { endReasonName.description }
    /// `endReason` as stored: a literal, so saving and restoring ends moves no reference-counted String.
    private(set) var endReasonName: StaticString
    public let recorder: FieldRecorder?

    public init(bytes: [UInt8], recorder: FieldRecorder? = nil) {
        self.bytes = bytes
        self.offset = 0
        self.end = bytes.count
        self.endReasonName = "caplen"
        self.recorder = recorder
    }

    @inline(__always) public var isRecording: Bool { recorder != nil }
    /// Bytes left before `end`.
    @inline(__always) public var remaining: Int { end - offset }
    /// Bytes of the captured frame after `end` (padding or trailer once a length field narrowed `end`).
    public var bytesAfterEnd: Int { bytes.count - end }

    // MARK: Bounds

    /// Throws unless `count` more bytes are present. Written as `count <= end - offset` so it cannot overflow.
    @inline(__always)
    public func require(_ count: Int, _ layer: Layer) throws(WireError) {
        guard count >= 0, count <= end - offset else {
            throw .truncated(layer: layer, offset: offset, needed: count, available: max(0, end - offset),
                             limitedBy: endReason)
        }
    }

    /// Narrows `end` to `length` bytes from here, as a length field says. Returns how many of those bytes the
    /// capture lacks (0 when all are present); the end then stays where the capture ends.
    @discardableResult
    public mutating func limit(to length: Int, by lengthField: StaticString) -> Int {
        let available = end - offset
        guard length >= 0 else { return 0 }
        if length <= available {
            end = offset + length
            endReasonName = lengthField
            return 0
        }
        return length - available
    }

    /// Restores an end saved before `limit`, e.g. to account for Ethernet padding after an IP datagram.
    public mutating func restore(end savedEnd: Int, reason: StaticString) {
        guard savedEnd >= offset, savedEnd <= bytes.count else { return }
        end = savedEnd
        endReasonName = reason
    }

    /// Moves to an absolute offset inside `[0, end]`.
    public mutating func seek(to absolute: Int, _ layer: Layer) throws(WireError) {
        guard absolute >= 0, absolute <= end else {
            throw .truncated(layer: layer, offset: offset, needed: absolute - offset, available: max(0, end - offset),
                             limitedBy: endReason)
        }
        offset = absolute
    }

    // MARK: Peeks (no recording, no throwing)

    /// The byte at an absolute offset, or nil outside the captured frame.
    @inline(__always) public func peekU8(at absolute: Int) -> UInt8? {
        guard absolute >= 0, absolute < bytes.count else { return nil }
        return bytes[absolute]
    }

    /// A big-endian 16-bit value at an absolute offset, or nil outside the captured frame.
    @inline(__always) public func peekU16(at absolute: Int) -> UInt16? {
        guard absolute >= 0, absolute < bytes.count - 1 else { return nil }
        // Safe: absolute + 2 <= bytes.count by the guard.
        return bytes.withUnsafeBytes { UInt16(bigEndian: $0.loadUnaligned(fromByteOffset: absolute, as: UInt16.self)) }
    }

    /// A big-endian 32-bit value at an absolute offset, or nil outside the captured frame.
    @inline(__always) public func peekU32(at absolute: Int) -> UInt32? {
        guard absolute >= 0, absolute < bytes.count - 3 else { return nil }
        // Safe: absolute + 4 <= bytes.count by the guard.
        return bytes.withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: absolute, as: UInt32.self)) }
    }

    /// The captured bytes in an absolute range, clamped to the frame (never traps).
    public func slice(_ range: Range<Int>) -> ArraySlice<UInt8> {
        let lower = min(max(range.lowerBound, 0), bytes.count)
        let upper = min(max(range.upperBound, lower), bytes.count)
        return bytes[lower..<upper]
    }

    /// Adds the captured bytes in an absolute range, clamped to the frame as `slice` does, to a checksum
    /// (borrowing the frame's storage: no slice is built).
    @inline(__always)
    public func addChecksum(of range: Range<Int>, to sum: inout InternetChecksum) {
        let lower = min(max(range.lowerBound, 0), bytes.count)
        let upper = min(max(range.upperBound, lower), bytes.count)
        bytes.withUnsafeBytes { raw in
            // Safe: 0 <= lower <= upper <= bytes.count == raw.count, clamped above.
            sum.add(raw: UnsafeRawBufferPointer(rebasing: raw[lower..<upper]))
        }
    }

    // MARK: Reads that record

    /// Reads one byte as a field.
    @inline(__always)
    public mutating func u8(_ layer: Layer, _ name: String, display: (UInt8) -> String = { String($0) },
                            meaning: (UInt8) -> String) throws(WireError) -> UInt8 {
        try require(1, layer)
        let value = load(UInt8.self)
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 1, value: display(value),
                               meaning: meaning(value)))
        }
        offset += 1
        return value
    }

    /// Reads a big-endian 16-bit field.
    @inline(__always)
    public mutating func u16(_ layer: Layer, _ name: String, display: (UInt16) -> String = { String($0) },
                             meaning: (UInt16) -> String) throws(WireError) -> UInt16 {
        try require(2, layer)
        let value = UInt16(bigEndian: load(UInt16.self))
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 2, value: display(value),
                               meaning: meaning(value)))
        }
        offset += 2
        return value
    }

    /// Reads a little-endian 16-bit field (radiotap, BSD loopback on little-endian hosts).
    @inline(__always)
    public mutating func u16LE(_ layer: Layer, _ name: String, display: (UInt16) -> String = { String($0) },
                               meaning: (UInt16) -> String) throws(WireError) -> UInt16 {
        try require(2, layer)
        let value = UInt16(littleEndian: load(UInt16.self))
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 2, value: display(value),
                               meaning: meaning(value)))
        }
        offset += 2
        return value
    }

    /// Reads a big-endian 32-bit field.
    @inline(__always)
    public mutating func u32(_ layer: Layer, _ name: String, display: (UInt32) -> String = { String($0) },
                             meaning: (UInt32) -> String) throws(WireError) -> UInt32 {
        try require(4, layer)
        let value = UInt32(bigEndian: load(UInt32.self))
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 4, value: display(value),
                               meaning: meaning(value)))
        }
        offset += 4
        return value
    }

    /// Reads a little-endian 32-bit field.
    @inline(__always)
    public mutating func u32LE(_ layer: Layer, _ name: String, display: (UInt32) -> String = { String($0) },
                               meaning: (UInt32) -> String) throws(WireError) -> UInt32 {
        try require(4, layer)
        let value = UInt32(littleEndian: load(UInt32.self))
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 4, value: display(value),
                               meaning: meaning(value)))
        }
        offset += 4
        return value
    }

    /// Reads a 6-byte hardware address as a field. Builds no slice of the frame (unless recording).
    @inline(__always)
    public mutating func mac(_ layer: Layer, _ name: String,
                             meaning: (MACAddress) -> String) throws(WireError) -> MACAddress {
        try require(6, layer)
        let high = UInt64(UInt32(bigEndian: load(UInt32.self)))
        let low = UInt64(UInt16(bigEndian: load(UInt16.self, plus: 4)))
        let value = MACAddress(rawValue: high << 16 | low)
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 6, value: value.description,
                               meaning: meaning(value)))
        }
        offset += 6
        return value
    }

    /// Reads a 4-byte IPv4 address as a field. Builds no slice of the frame (unless recording).
    @inline(__always)
    public mutating func ipv4(_ layer: Layer, _ name: String,
                              meaning: (IPAddress) -> String) throws(WireError) -> IPAddress {
        try require(4, layer)
        let value = IPAddress.v4(UInt32(bigEndian: load(UInt32.self)))
        if let recorder {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: 4, value: value.description,
                               meaning: meaning(value)))
        }
        offset += 4
        return value
    }

    /// The raw (memory-order) value at `offset + plus`, for a read whose `require` covered those bytes.
    /// Safe: `require` checked `plus + size <= end - offset`, and 0 <= offset <= end <= bytes.count always holds
    /// (`limit` only narrows, `restore` and `seek` check), so the load is inside the array.
    @inline(__always)
    private func load<T: FixedWidthInteger>(_: T.Type, plus: Int = 0) -> T {
        assert(offset >= 0 && plus >= 0 && MemoryLayout<T>.size <= end - offset - plus && end <= bytes.count)
        return bytes.withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset + plus, as: T.self) }
    }

    /// Reads `count` bytes as one field (addresses, opaque data). Returns them as a slice of the frame.
    @inline(__always)
    public mutating func bytes(_ layer: Layer, _ name: String, count: Int,
                               display: (ArraySlice<UInt8>) -> String = { hexString($0) },
                               meaning: (ArraySlice<UInt8>) -> String) throws(WireError) -> ArraySlice<UInt8> {
        try require(count, layer)
        let value = bytes[offset..<(offset + count)]
        // Zero bytes are no field: every recorded field covers at least one byte (what `explain` tiles with).
        if let recorder, count > 0 {
            recorder.add(Field(layer: layer, name: name, offset: offset, length: count, value: display(value),
                               meaning: meaning(value)))
        }
        offset += count
        return value
    }

    /// Skips `count` bytes without recording them (the caller records them as part of a group, or not at all
    /// on the fast path).
    @inline(__always)
    public mutating func skip(_ count: Int, _ layer: Layer) throws(WireError) {
        try require(count, layer)
        offset += count
    }

    /// Records a bit field inside the byte field just read (`mask` over the big-endian value of that field).
    /// `value` is the already-shifted field value.
    @inline(__always)
    public func bits(_ layer: Layer, _ name: String, mask: UInt64, value: UInt64,
                     display: (UInt64) -> String = { String($0) }, meaning: (UInt64) -> String) {
        guard let recorder else { return }
        recorder.addBits(Field(layer: layer, name: name, offset: 0, length: 0, mask: mask, value: display(value),
                               meaning: meaning(value)))
    }

    /// Records a field over bytes already consumed or about to be (used for groups whose parts are read
    /// separately, and for padding and trailers).
    public func record(_ layer: Layer, _ name: String, offset fieldOffset: Int, length: Int, value: () -> String,
                       meaning: () -> String) {
        guard let recorder else { return }
        recorder.add(Field(layer: layer, name: name, offset: fieldOffset, length: length, value: value(),
                           meaning: meaning()))
    }

    /// Opens a group field at the current offset; `endGroup` closes it.
    public func beginGroup(_ layer: Layer, _ name: String, value: () -> String = { "" },
                           meaning: () -> String = { "" }) {
        recorder?.begin(layer: layer, name: name, offset: offset, value: value(), meaning: meaning())
    }

    /// Closes the innermost group at the current offset.
    public func endGroup(value: (() -> String)? = nil, meaning: (() -> String)? = nil) {
        guard let recorder else { return }
        recorder.end(at: offset, value: value?(), meaning: meaning?())
    }
}

/// Lower-case hex digits of some bytes, colon-free ("0a1b").
public func hexString<C: Collection>(_ bytes: C) -> String where C.Element == UInt8 {
    let digits: [Character] = Array("0123456789abcdef")
    var out = ""
    out.reserveCapacity(bytes.count * 2)
    for byte in bytes {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
    return out
}
