/// One decoded field: where it lives in the frame, its value and what it means.
///
/// This is the single record that `explain`, the hex highlighter and JSON output read. A decoder writes it once,
/// through `FrameReader`; nothing else re-derives a field.
public struct Field: Sendable, Equatable {
    public var layer: Layer
    /// Wireshark's field name wherever one exists (`ip.ttl`, `tcp.flags.syn`), so users can move between tools.
    public var name: String
    /// Absolute byte offset in the captured frame.
    public var offset: Int
    /// Length in bytes. Bit fields carry the length of the bytes that hold them.
    public var length: Int
    /// Set on bit fields only: which bits of the holding bytes (big-endian, as on the wire) this field is.
    public var mask: UInt64?
    /// The value as Wireshark shows it (addresses in their usual notation, numbers in decimal, flags 0/1).
    public var value: String
    /// One sentence in plain words.
    public var meaning: String
    /// Sub-fields: bit fields (with `mask`) or byte fields that split this one further.
    public var children: [Field]

    public init(layer: Layer, name: String, offset: Int, length: Int, mask: UInt64? = nil,
                value: String, meaning: String, children: [Field] = []) {
        self.layer = layer
        self.name = name
        self.offset = offset
        self.length = length
        self.mask = mask
        self.value = value
        self.meaning = meaning
        self.children = children
    }

    /// The half-open byte range this field covers.
    public var range: Range<Int> { offset..<(offset + length) }

    /// Byte fields with no byte-field children: these tile `[0, caplen)` exactly.
    public var innermostByteFields: [Field] {
        guard mask == nil else { return [] }
        let byteChildren = children.filter { $0.mask == nil }
        if byteChildren.isEmpty { return [self] }
        return byteChildren.flatMap { $0.innermostByteFields }
    }
}

/// Collects fields while a decoder runs. Absent on the fast path (`read` without explain), where the
/// `meaning` autoclosures are never evaluated.
public final class FieldRecorder {
    /// Finished top-level fields, in frame order.
    public private(set) var fields: [Field] = []
    /// Open groups: a field whose children are still being read.
    private var open: [Field] = []

    public init() {}

    /// Adds a finished field to the innermost open group, or to the top level.
    public func add(_ field: Field) {
        if open.isEmpty { fields.append(field) } else { open[open.count - 1].children.append(field) }
    }

    /// Adds a bit field to the most recently added byte field (of the innermost open group).
    /// The bit field takes the offset and length of the byte field that holds it.
    public func addBits(_ bits: Field) {
        var bits = bits
        if open.isEmpty {
            guard let last = fields.indices.last else { return }
            bits.offset = fields[last].offset
            bits.length = fields[last].length
            fields[last].children.append(bits)
        } else {
            let top = open.count - 1
            guard let last = open[top].children.indices.last else { return }
            bits.offset = open[top].children[last].offset
            bits.length = open[top].children[last].length
            open[top].children[last].children.append(bits)
        }
    }

    /// Starts a group field whose length is fixed when it ends.
    public func begin(layer: Layer, name: String, offset: Int, value: String, meaning: String) {
        open.append(Field(layer: layer, name: name, offset: offset, length: 0, value: value, meaning: meaning))
    }

    /// Ends the innermost group at `endOffset`, optionally replacing its value and meaning now that they are known.
    public func end(at endOffset: Int, value: String? = nil, meaning: String? = nil) {
        guard var group = open.popLast() else { return }
        group.length = max(0, endOffset - group.offset)
        if let value { group.value = value }
        if let meaning { group.meaning = meaning }
        add(group)
    }

    /// Closes every open group at `endOffset` (used when a decoder stops early).
    public func closeAll(at endOffset: Int) {
        while !open.isEmpty { end(at: endOffset) }
    }
}
