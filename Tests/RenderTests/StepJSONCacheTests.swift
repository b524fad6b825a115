@testable import Lessons
import Render
import Testing
import Wire

/// The cache must write exactly what `LessonText` writes, whatever the order of steps, and stay bounded.
@Suite struct StepJSONCacheTests {
    /// Steps of every kind, with names that need escaping, on and off sessions, inferred and not.
    static var varied: [Step] {
        let events: [StepEvent] = [
            .noPackets, .syn(attempt: 1), .syn(attempt: 2), .synAck(attempt: 1), .handshakeACK, .refused,
            .data(bytes: 536, first: true, retransmission: false,
                  http: HTTPLine(isRequest: true, method: "GET", uri: "/a\"b\u{1}", status: nil, version: "HTTP/1.0")),
            .data(bytes: 100, first: false, retransmission: true, http: nil), .ack(window: 5840), .zeroWindow,
            .windowUpdate(window: 2144), .probe, .fin(bytes: 0, first: true), .finACK, .reset, .datagram(bytes: 12),
            .dnsQuery(name: "example.com", attempt: 1), .dnsQuery(name: "ex\"ample\\", attempt: 2),
            .dnsAnswer(name: "example.com", rcode: 0, firstAddress: .v4(0x0A2A_0001), addresses: 1),
            .dnsAnswer(name: "nx.example", rcode: 3, firstAddress: nil, addresses: 0),
            .dhcp(type: 5, hostname: "ESP_018568", offered: .v4(0x0A2A_0070)),
            .arp(.request, target: .v4(0x0A2A_0001), sender: .v4(0x0A2A_0070)),
            .unrelated(why: .notBoard), .unrelated(why: .notALesson), .unrelated(why: .chatter),
            .unrelated(why: .undecoded),
        ]
        let roles: [StepRole] = [.client, .server, .udp, .network]
        var steps: [Step] = []
        for (index, event) in events.enumerated() {
            for id in StepID.allCases where (index + id.rawValue.count) % 3 == 0 || id == .other {
                let role = roles[(index + steps.count) % roles.count]
                steps.append(Step(session: steps.count % 4 == 0 ? nil : steps.count, role: role, id: id, event: event,
                                  fromBoard: steps.count % 2 == 0, boardKnown: steps.count % 3 != 0,
                                  inferred: steps.count % 5 == 0))
            }
        }
        return steps
    }

    /// A line holding the lesson, written by `write`.
    static func line(_ write: (inout JSONWriter) -> Void) -> String {
        var json = JSONWriter()
        json.beginObject()
        json.field("frame", 1)
        write(&json)
        json.endObject()
        return String(decoding: json.bytes, as: UTF8.self)
    }

    static func direct(_ lesson: FrameLesson) -> String {
        line { LessonText.writeFrameLesson(lesson, into: &$0) }
    }

    static func cached(_ lesson: FrameLesson, _ cache: inout StepJSONCache) -> String {
        line { cache.writeFrameLesson(lesson, into: &$0) }
    }

    @Test func sameBytesAsLessonTextInAnyOrder() {
        let steps = Self.varied
        #expect(steps.count > 60)
        var cache = StepJSONCache()
        // Twice through, forwards then backwards, with inferred steps riding along: hits, misses and the
        // last-step shortcut all meet steps that differ only in their session or in one member.
        for order in [Array(steps.indices), steps.indices.reversed()] {
            for index in order {
                let inferred = index % 7 == 0 ? [steps[(index + 1) % steps.count], steps[(index + 2) % steps.count]] : []
                let lesson = FrameLesson(step: steps[index], inferred: inferred)
                #expect(Self.cached(lesson, &cache) == Self.direct(lesson), "step \(index)")
            }
        }
    }

    @Test func sessionChangesOnACachedStep() {
        var cache = StepJSONCache()
        for session in [1, 2, nil, 3, 3, nil] as [Int?] {
            let step = Step(session: session, role: .network, id: .other, event: .unrelated(why: .notBoard),
                            fromBoard: false, boardKnown: true)
            let text = Self.cached(FrameLesson(step: step), &cache)
            #expect(text == Self.direct(FrameLesson(step: step)))
            #expect(text.contains(#""session":\#(session.map(String.init) ?? "null"),"role""#))
        }
    }

    @Test func moreDistinctStepsThanTheCapacity() {
        var cache = StepJSONCache()
        let count = StepJSONCache.capacity * 2 + 10
        for bytes in 0..<count {
            let step = Step(session: bytes, role: .client, id: .recv,
                            event: .data(bytes: bytes, first: false, retransmission: false, http: nil),
                            fromBoard: false, boardKnown: true)
            let lesson = FrameLesson(step: step)
            let expected = Self.direct(lesson)
            #expect(Self.cached(lesson, &cache) == expected)
            // A step cached before the cache started over is written again, the same.
            if bytes % 257 == 0 { #expect(Self.cached(lesson, &cache) == expected) }
        }
    }
}
