import Sessions
import Testing

/// `RecentSessions` sits in front of a dictionary (the lessons' TCP state, the merger's session numbers): it may
/// forget, but must never answer for another id, and must answer with what was last set until that is replaced or
/// removed.
@Suite struct RecentSessionsTests {
    final class Box {
        let id: Int
        init(_ id: Int) { self.id = id }
    }

    @Test func answersOnlyForTheIdItHolds() {
        var recent = RecentSessions<Box>()
        recent[5] = Box(5)
        #expect(recent[5]?.id == 5)
        // 69 and -59 share slot 5 (mod 64): a lookup for them misses, a store replaces 5.
        #expect(recent[69] == nil)
        #expect(recent[-59] == nil)
        recent[69] = Box(69)
        #expect(recent[5] == nil)
        #expect(recent[69]?.id == 69)
        recent.remove(5)  // not held: nothing happens
        #expect(recent[69]?.id == 69)
        recent.remove(69)
        #expect(recent[69] == nil)
        #expect(recent[Int.min] == nil)  // the empty marker is never an answer
    }

    @Test func agreesWithADictionaryWheneverItAnswers() {
        var recent = RecentSessions<Box>()
        var model: [Int: Box] = [:]
        var hits = 0
        var generator = SeededGenerator(seed: 0x5e55)
        for _ in 0..<20_000 {
            // Ids in a window of 200 sessions: many share a slot.
            let id = Int.random(in: 1...200, using: &generator)
            switch Int.random(in: 0..<3, using: &generator) {
            case 0:
                let box = Box(id)
                model[id] = box
                recent[id] = box
            case 1:
                model[id] = nil
                recent.remove(id)
            default:
                if let answer = recent[id] {
                    hits += 1
                    #expect(answer === model[id], "id \(id)")
                }
            }
        }
        #expect(hits > 1_000)
    }
}
