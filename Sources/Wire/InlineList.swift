/// A short list of plain values stored inline: no heap buffer, so copying or destroying the value that holds it
/// (a `TCPHeader`, a `DecodedFrame`, copied several times per frame on the way through the pipeline) retains
/// and releases nothing.
///
/// The capacity comes from a protocol limit (40 bytes of TCP option space, a cap on stacked VLAN tags). An
/// append beyond it is dropped and reported by the return value; peer-controlled data can never grow it.
public struct InlineList<let capacity: Int, Element: BitwiseCopyable & Sendable>: Sendable, RandomAccessCollection {
    private var storage: InlineArray<capacity, Element>
    public private(set) var count = 0

    /// An empty list; `filler` only initialises the unused slots and is never read back.
    public init(filler: Element) {
        storage = InlineArray(repeating: filler)
    }

    /// Appends `element` unless the list is full. Returns whether it was stored.
    @discardableResult
    public mutating func append(_ element: Element) -> Bool {
        guard count < capacity else { return false }
        storage[count] = element
        count += 1
        return true
    }

    /// Empties the list.
    public mutating func removeAll() { count = 0 }

    public var startIndex: Int { 0 }
    public var endIndex: Int { count }

    public subscript(position: Int) -> Element {
        precondition(position >= 0 && position < count, "InlineList index out of range")
        return storage[position]
    }
}

extension InlineList: Equatable where Element: Equatable {
    public static func == (lhs: InlineList, rhs: InlineList) -> Bool { lhs.elementsEqual(rhs) }
}

extension InlineList: Hashable where Element: Hashable {
    /// Hashes as an `Array` with the same elements does: the count, then each element.
    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}
