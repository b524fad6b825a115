/// A TCP sequence or acknowledgement number: a point in a 32-bit space that wraps (RFC 9293 §3.4).
///
/// Comparisons follow RFC 1982 serial-number arithmetic: `a < b` when `b` lies less than 2^31 ahead of `a`.
/// That is not a total order over the whole space, so `SequenceNumber` deliberately does not conform to
/// `Comparable` (sorting with it would be wrong); use the operators for nearby numbers only.
public struct SequenceNumber: Sendable, Hashable, CustomStringConvertible {
    public var rawValue: UInt32

    @inlinable public init(_ rawValue: UInt32) { self.rawValue = rawValue }

    /// Advances by `count` bytes. Wraps: sequence space is modulo 2^32 (RFC 9293 §3.4), so `&+` is the protocol.
    @inlinable
    public static func + (lhs: SequenceNumber, rhs: UInt32) -> SequenceNumber {
        SequenceNumber(lhs.rawValue &+ rhs)
    }

    /// The signed distance from `rhs` to `lhs` (positive when `lhs` is ahead). The `&-` is modular subtraction
    /// in sequence space; reinterpreting the result as `Int32` is the RFC 1982 comparison rule.
    @inlinable
    public static func - (lhs: SequenceNumber, rhs: SequenceNumber) -> Int32 {
        Int32(bitPattern: lhs.rawValue &- rhs.rawValue)
    }

    @inlinable public static func < (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool { lhs - rhs < 0 }
    @inlinable public static func > (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool { lhs - rhs > 0 }
    @inlinable public static func <= (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool { lhs - rhs <= 0 }
    @inlinable public static func >= (lhs: SequenceNumber, rhs: SequenceNumber) -> Bool { lhs - rhs >= 0 }

    /// This number relative to `base` (Wireshark's "relative sequence number"). Modular, hence `&-`.
    @inlinable public func relative(to base: SequenceNumber) -> UInt32 { rawValue &- base.rawValue }

    public var description: String { String(rawValue) }
}
