import Sessions
import Testing
import Wire
@testable import socketscope

/// A worker's analysed frames of a batch live in a `TrackedSlab`: filled in order up to the batch's size, read and
/// changed in place by the merger, and destroyed (with every reference in them) when the slab goes.
@Suite struct TrackedSlabTests {
    static func frame(_ ttl: UInt8) -> DecodedFrame {
        var decoded = DecodedFrame(linkType: 1)
        decoded.ttl = ttl
        return decoded
    }

    @Test func fillsInOrderUpToItsCapacityAndLendsInPlace() throws {
        let slab = TrackedSlab(capacity: 2)
        #expect(slab.slot(0) == nil)
        var initialised = 0
        for ttl: UInt8 in [64, 128] {
            let slot = slab.append { slot in
                slot.decoded.initialize(to: Self.frame(ttl))
                slot.fragment.initialize(to: nil)
                var annotation = FrameAnnotation()
                annotation.session = Int(ttl)
                slot.annotation.initialize(to: annotation)
                initialised += 1
            }
            #expect(slot?.decoded.pointee.ttl == ttl)
        }
        // Full: nothing initialised, nothing returned.
        #expect(slab.append { _ in initialised += 1 } == nil)
        #expect(initialised == 2)
        #expect(slab.slot(-1) == nil)
        #expect(slab.slot(2) == nil)
        let second = try #require(slab.slot(1))
        #expect(second.decoded.pointee.ttl == 128)
        // The merger renumbers in place: the slab sees the change.
        second.annotation.pointee.renumberSessions { $0 + 1000 }
        #expect(slab.slot(1)?.annotation.pointee.session == 1128)
        #expect(slab.slot(0)?.annotation.pointee.session == 64)
    }

    @Test func releasesWhatItHoldsWithItself() {
        weak var released: SeenFragment?
        do {
            let slab = TrackedSlab(capacity: 1)
            let fragment = SeenFragment(reassembled: Self.frame(1), datagram: [1, 2, 3])
            released = fragment
            _ = slab.append { slot in
                slot.decoded.initialize(to: Self.frame(1))
                slot.fragment.initialize(to: fragment)
                slot.annotation.initialize(to: FrameAnnotation())
            }
            #expect(released != nil)
            #expect(slab.slot(0)?.fragment.pointee?.datagram == [1, 2, 3])
        }
        #expect(released == nil)
    }
}
