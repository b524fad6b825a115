import Testing
import Wire
@testable import Sessions

@Suite("SHA-256, sequence numbers, flow keys")
struct PrimitivesTests {
    @Test("SHA-256 matches the FIPS 180-4 / NIST vectors", arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func sha256Vectors(input: String, digest: String) {
        #expect(SHA256.hex(Array(input.utf8)) == digest)
    }

    @Test("SHA-256 of a million 'a', fed in uneven pieces")
    func sha256Million() {
        var hasher = SHA256()
        let piece = [UInt8](repeating: UInt8(ascii: "a"), count: 999)
        var fed = 0
        while fed < 1_000_000 {
            let count = min(piece.count - fed % 7, 1_000_000 - fed)
            hasher.update(piece[0..<count])
            fed += count
        }
        #expect(SHA256.hexDigest(hasher.finalize()) == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("sequence numbers compare across the 2^32 wrap")
    func sequenceWrap() {
        let before = SequenceNumber(0xffff_fff0), after = SequenceNumber(0x10)
        #expect(before < after)
        #expect(after > before)
        #expect(after - before == 0x20)
        #expect(before + 0x20 == after)
        #expect(after.relative(to: before) == 0x20)
        #expect(!(after < after))
        #expect(SequenceNumber(0) - SequenceNumber(0x8000_0001) == 0x7fff_ffff)
    }

    @Test("flow keys are the same both ways and remember the direction")
    func flowKeySymmetry() {
        let a = Endpoint(ip: .v4(0x0a00_0002), port: 40000), b = Endpoint(ip: .v4(0x0a00_0001), port: 80)
        let (forward, forwardLow) = FlowKey.make(proto: .tcp, source: a, destination: b)
        let (backward, backwardLow) = FlowKey.make(proto: .tcp, source: b, destination: a)
        #expect(forward == backward)
        #expect(forward.hashValue == backward.hashValue)
        #expect(forwardLow != backwardLow)
        #expect(FlowKey.make(proto: .udp, source: a, destination: b).key != forward)
    }

    @Test("the session table finds, touches, moves and removes sessions and keeps each idle list in order")
    func sessionTable() {
        func session(_ port: UInt16, time: Int64) -> SessionState {
            let (key, _) = FlowKey.make(proto: .udp, source: Endpoint(ip: .v4(1), port: port),
                                        destination: Endpoint(ip: .v4(2), port: 53))
            return SessionState(id: Int(port), key: key, clientIsLow: true, clientGuessed: false, frame: 1, time: time)
        }
        var table = SessionTable()
        let a = session(1, time: 10), b = session(2, time: 20), c = session(3, time: 5)
        table.insert(a, on: .open)
        table.insert(b, on: .open)
        table.insert(c, on: .udp)
        #expect(table.count == 3)
        #expect(table.oldest(.open) === a)
        #expect(table.longestIdle === c)  // least recent over all lists
        // Touching makes a session the newest of its list; an unknown key finds nothing and changes nothing.
        #expect(table.touch(a.key) === a)
        #expect(table.oldest(.open) === b)
        #expect(table.touch(session(9, time: 0).key) == nil)
        #expect(table.count == 3)
        table.move(b, to: .closed)
        #expect(b.list == .closed)
        #expect(table.oldest(.open) === a && table.oldest(.closed) === b)
        table.remove(c)
        #expect(table.count == 2 && table.oldest(.udp) == nil)
        #expect(table.longestIdle === a)  // a (10) is older than b (20)
        #expect(Set(table.all.map(\.id)) == [1, 2])
    }

    @Test("idle lists keep least-recently-active order through thousands of random touches, moves and removals")
    func idleListsAgainstAModel() {
        // The lists link sessions without counting references (`SessionState.older`): a broken link loses
        // sessions or expires them out of order, so every list is compared with a plain array after each step.
        var generator = SeededGenerator(seed: 0x1d1e)  // the same operations every run
        var table = SessionTable()
        var model: [IdleListKind: [SessionState]] = [.open: [], .closed: [], .udp: []]
        var live: [SessionState] = []
        let kinds: [IdleListKind] = [.open, .closed, .udp]
        for step in 0..<20_000 {
            let action = Int.random(in: 0..<10, using: &generator)
            if live.isEmpty || action < 3, live.count < 200 {
                let (key, _) = FlowKey.make(proto: .udp, source: Endpoint(ip: .v4(UInt32(step)), port: 1),
                                            destination: Endpoint(ip: .v4(2), port: 53))
                let session = SessionState(id: step, key: key, clientIsLow: true, clientGuessed: false, frame: step,
                                           time: Int64(step))
                let kind = kinds.randomElement(using: &generator) ?? .open
                table.insert(session, on: kind)
                model[kind, default: []].append(session)
                live.append(session)
            } else if action < 7 {
                let session = live.randomElement(using: &generator) ?? live[0]
                #expect(table.touch(session.key) === session)
                model[session.list]?.removeAll { $0 === session }
                model[session.list, default: []].append(session)
            } else if action < 8 {
                let session = live.randomElement(using: &generator) ?? live[0]
                let kind = kinds.randomElement(using: &generator) ?? .open
                model[session.list]?.removeAll { $0 === session }
                table.move(session, to: kind)
                model[kind, default: []].append(session)
            } else {
                let index = Int.random(in: 0..<live.count, using: &generator)
                let session = live.remove(at: index)
                model[session.list]?.removeAll { $0 === session }
                table.remove(session)
            }
            let agrees = kinds.allSatisfy { table.oldest($0) === model[$0]?.first } && table.count == live.count
            #expect(agrees, "the lists went out of order at step \(step)")
            if !agrees { return }
        }
        // Emptying each list from the oldest end gives back the model's whole order.
        for kind in kinds {
            var order: [Int] = []
            while let oldest = table.oldest(kind) {
                order.append(oldest.id)
                table.remove(oldest)
            }
            #expect(order == (model[kind] ?? []).map(\.id))
        }
        #expect(table.count == 0)
    }

    @Test("without a SYN the ephemeral side is the client")
    func clientGuess() {
        let h = Harness()
        h.tcp(false, seq: 7000, ack: 300, .ack, payload: Array("HTTP/1.1 200 OK\r\n".utf8))
        let summary = try! #require(h.finish().first)
        #expect(summary.clientGuessed)
        #expect(summary.client.port == 40000)
        #expect(summary.server.port == 80)
        #expect(summary.state == .oth)
    }
}
