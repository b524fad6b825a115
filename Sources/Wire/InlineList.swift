/// A short list of plain values stored inline: no heap buffer, so copying or destroying the value that holds it
/// (a `TCPHeader`, a `DecodedFrame`, copied several times per frame on the way through the pipeline) retains
/// and releases nothing.
///
/// The capacity comes from a protocol limit (40 bytes of TCP option space, a cap on stacked VLAN tags). An
/// append beyond it is dropped and reported by the return value; peer-controlled data can never grow it.
public struct InlineList<let capacity: Int, Element: BitwiseCopyable & Sendable>: Sendable, RandomAccessCollection {
    // Inlinable throughout: other modules read these lists per frame, and the generic code is only specialised
    // where it is inlined.
    @usableFromInline var storage: InlineArray<capacity, Element>
    @usableFromInline var storedCount = 0

    @inlinable public var count: Int { storedCount }

    /// An empty list; `filler` only initialises the unused slots and is never read back.
    @inlinable
    public init(filler: Element) {
        storage = InlineArray(repeating: filler)
    }

    /// Appends `element` unless the list is full. Returns whether it was stored.
    @inlinable @discardableResult
    public mutating func append(_ element: Element) -> Bool {
        guard storedCount < capacity else { return false }
        storage[storedCount] = element
        storedCount += 1
        return true
    }

    /// Empties the list.
    @inlinable public mutating func removeAll() { storedCount = 0 }

    @inlinable public var startIndex: Int { 0 }
    @inlinable public var endIndex: Int { storedCount }

    @inlinable
    public subscript(position: Int) -> Element {
        precondition(position >= 0 && position < storedCount, "InlineList index out of range")
        return storage[position]
    }
}

extension InlineList: Equatable where Element: Equatable {
    @inlinable public static func == (lhs: InlineList, rhs: InlineList) -> Bool { lhs.elementsEqual(rhs) }
}

extension InlineList: Hashable where Element: Hashable {
    /// Hashes as an `Array` with the same elements does: the count, then each element.
    @inlinable public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}
