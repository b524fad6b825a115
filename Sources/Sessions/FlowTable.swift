import Wire

/// The live sessions by flow key: the lookup every TCP and UDP frame makes.
///
/// Open addressing with linear probing over a power-of-two array of slots, at most half full. A slot holds the
/// key's hash and the session, whose own `key` is compared when the hashes match, so keys are not stored twice.
/// Removal shifts the entries after it back into the gap (no tombstones), so probe runs stay short however many
/// sessions come and go over a long capture.
///
/// The hash is two rounds of a 64-bit finaliser over the normalised key, one multiply-and-shift chain per word,
/// where `Dictionary` ran SipHash over it (finding and touching a frame's session was a tenth of the session
/// layer's work). Flow keys come from the network, so the hash is keyed by a seed drawn at random for each
/// table: crafted traffic cannot aim its flows at one probe run without knowing it. The number of flows is
/// capped (`--max-flows`), which bounds the table and any run in it either way.
struct FlowTable {
    private struct Slot {
        var hash: UInt64 = 0
        var session: SessionState?
    }

    private var slots: [Slot]
    private var mask: Int
    private let seed: UInt64
    private(set) var count = 0

    init(seed: UInt64 = UInt64.random(in: .min ... .max)) {
        slots = Array(repeating: Slot(), count: Self.initialCapacity)
        mask = Self.initialCapacity - 1
        self.seed = seed
    }

    static let initialCapacity = 64

    /// The session of `key`, if live.
    func session(for key: FlowKey) -> SessionState? {
        let hash = hash(key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while let session = slots[index].session {
            if slots[index].hash == hash, session.key == key { return session }
            index = (index + 1) & mask
        }
        return nil
    }

    /// Adds `session` under its key, replacing a session with the same key.
    mutating func insert(_ session: SessionState) {
        if (count + 1) * 2 > slots.count { grow() }
        let hash = hash(session.key)
        var index = Int(truncatingIfNeeded: hash) & mask
        while let present = slots[index].session {
            if slots[index].hash == hash, present.key == session.key {
                slots[index].session = session
                return
            }
            index = (index + 1) & mask
        }
        slots[index] = Slot(hash: hash, session: session)
        count += 1
    }

    /// Removes the session of `key` (nothing when there is none).
    mutating func remove(_ key: FlowKey) {
        let hash = hash(key)
        var gap = Int(truncatingIfNeeded: hash) & mask
        while true {
            guard let present = slots[gap].session else { return }
            if slots[gap].hash == hash, present.key == key { break }
            gap = (gap + 1) & mask
        }
        slots[gap] = Slot()
        count -= 1
        // Backward shift: an entry after the gap moves into it unless its home slot lies cyclically in (gap, next].
        var next = gap
        while true {
            next = (next + 1) & mask
            guard slots[next].session != nil else { return }
            let home = Int(truncatingIfNeeded: slots[next].hash) & mask
            let staysPut = gap < next ? (gap < home && home <= next) : (gap < home || home <= next)
            if staysPut { continue }
            slots[gap] = slots[next]
            slots[next] = Slot()
            gap = next
        }
    }

    /// Every live session, in no particular order.
    var all: [SessionState] { slots.compactMap(\.session) }

    private mutating func grow() {
        let old = slots
        slots = Array(repeating: Slot(), count: old.count * 2)
        mask = slots.count - 1
        for slot in old {
            guard slot.session != nil else { continue }
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].session != nil { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    /// The key's two words (addresses; ports and protocol), each folded in through splitmix64's finaliser.
    func hash(_ key: FlowKey) -> UInt64 {
        let addresses: UInt64
        switch (key.low.ip, key.high.ip) {
        case let (.v4(low), .v4(high)):
            addresses = UInt64(low) << 32 | UInt64(high)
        case let (low, high):
            addresses = Self.mix(Self.fold(low) ^ Self.mix(Self.fold(high)))
        }
        let ports = UInt64(key.low.port) << 24 | UInt64(key.high.port) << 8 | UInt64(key.proto.rawValue)
        return Self.mix(Self.mix(addresses ^ seed) ^ ports)
    }

    private static func fold(_ address: IPAddress) -> UInt64 {
        switch address {
        case .v4(let value): return UInt64(value)
        case .v6(let high, let low): return mix(high) ^ low
        }
    }

    private static func mix(_ value: UInt64) -> UInt64 { HashMix.mix(value) }
}

/// The 64-bit mix the flow hashes share (this table, and the router that splits flows across workers).
public enum HashMix {
    /// splitmix64's finaliser: every input bit moves every output bit. Inlinable: the router runs it for every
    /// frame, from another module.
    @inlinable
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
