/// A few sessions' values by id, in front of a dictionary that holds them all: one slot per `id % 64`, the id
/// compared on lookup, so a hit costs a mask and a comparison where a `Dictionary` hashes the id with SipHash
/// (the lessons' TCP state by session: 1.7 % of `read --format json`'s instructions). Session ids are handed out in
/// order (first-frame numbers, with several workers), so the live ones spread over the slots. The owner keeps the
/// dictionary authoritative, stores here what it found there, and removes an id here when it removes it there.
///
/// Inlinable: used from other modules on every frame, where a generic call through the module boundary cost more
/// than the dictionary lookup it saves.
public struct RecentSessions<Value> {
    @inlinable static var slotCount: Int { 64 }
    @usableFromInline var ids = [Int](repeating: Int.min, count: RecentSessions.slotCount)
    @usableFromInline var values = [Value?](repeating: nil, count: RecentSessions.slotCount)

    @inlinable public init() {}

    /// The slot of `id`: the mask keeps every index in 0..<64, negative ids included.
    @inlinable static func slot(_ id: Int) -> Int { id & (slotCount - 1) }

    /// The value remembered for `id`; setting one replaces whatever held its slot.
    @inlinable public subscript(id: Int) -> Value? {
        get {
            let slot = Self.slot(id)
            return ids[slot] == id ? values[slot] : nil
        }
        set {
            let slot = Self.slot(id)
            ids[slot] = newValue == nil ? Int.min : id
            values[slot] = newValue
        }
    }

    /// Forgets `id` if its slot holds it.
    @inlinable public mutating func remove(_ id: Int) {
        let slot = Self.slot(id)
        if ids[slot] == id { self[id] = nil }
    }
}
