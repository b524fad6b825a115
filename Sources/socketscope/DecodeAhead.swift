#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser
import Capture
import Wire

/// `--threads`: how many threads share the work of reading a file. The work splits into stages, not by flow:
/// reading and decoding (stateless per frame), then sessions and lessons (ordered state), then JSON formatting.
struct ThreadOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Threads to use: 1 does everything on one; with 2 or more, frames are read and decoded on a thread of "
            + "their own (and JSON lines formatted on another) while sessions are followed in order. The output "
            + "is the same. Default: the number of cores, at most 2.",
        valueName: "n"))
    var threads: Int = ThreadOption.defaultThreads

    /// One per core, at most two: the session stage is ordered, so beyond two cores the stages cannot go faster.
    static var defaultThreads: Int { max(1, min(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
    }
}

extension CaptureInput {
    /// Like `forEachFrame`, but hands each frame over already decoded (on the fast path). With `threads` ≥ 2,
    /// reading and decoding run on a thread of their own, a bounded number of frames ahead of `body`; frames,
    /// and the files' problems, still reach the caller in capture order, on the caller's thread.
    static func forEachDecodedFrame(in files: [String], threads: Int, before report: () -> Void = {},
                                    _ body: (Frame, DecodedFrame) throws -> Bool) throws {
        guard threads >= 2 else {
            try forEachFrame(in: files, before: report) { frame in
                try body(frame, FrameDecoder.decode(frame.bytes, linkType: frame.linkType))
            }
            return
        }
        let queue = BatchQueue<DecodeAheadItem>(capacity: 8)
        let reader = WorkerThread {
            var batch: [DecodeAheadItem] = []
            batch.reserveCapacity(DecodeAheadItem.batchSize)
            let failures = readFrames(in: files, problem: { message in
                batch.append(.problem(message))
                _ = queue.push(batch)
                batch = []
            }) { frame in
                batch.append(.frame(frame, FrameDecoder.decode(frame.bytes, linkType: frame.linkType)))
                guard batch.count >= DecodeAheadItem.batchSize else { return true }
                defer { batch = [] }
                return queue.push(batch)
            }
            batch.append(.finished(failures: failures))
            _ = queue.push(batch)
            queue.close()
        }
        // Stop the reader however this returns (early stop, or an error thrown by `body`).
        defer {
            queue.cancel()
            reader.join()
        }
        var failures = 0
        drain: while let batch = queue.pop() {
            for item in batch {
                switch item {
                case .frame(let frame, let decoded):
                    if try !body(frame, decoded) { break drain }
                case .problem(let message):
                    report()
                    printError(message)
                case .finished(let count):
                    failures = count
                }
            }
        }
        if failures > 0 { throw CommandFailure(message: "", code: 2) }
    }
}

/// What the reading thread hands over, in capture order.
enum DecodeAheadItem: Sendable {
    case frame(Frame, DecodedFrame)
    /// A message for stderr (a file that could not be read, a warning).
    case problem(String)
    /// The last item: how many files could not be read whole.
    case finished(failures: Int)

    /// Frames per hand-over: one lock round trip per batch, not per frame.
    static let batchSize = 256
}

/// A bounded queue of batches between two threads: `push` waits while `capacity` batches are waiting, so the
/// reader can never run more than `capacity` batches ahead (memory stays flat); `pop` waits for a batch.
final class BatchQueue<Item: Sendable>: @unchecked Sendable {
    /// A ring of `capacity` slots: `count` batches waiting from `head` on.
    private var slots: [[Item]]
    private var head = 0
    private var count = 0
    private var closed = false
    private var cancelled = false
    private let capacity: Int
    // Heap-allocated so their addresses never move (pthread objects must not be copied).
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let notEmpty = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let notFull = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init(capacity: Int) {
        self.capacity = max(1, capacity)
        slots = Array(repeating: [], count: self.capacity)
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(notEmpty, nil)
        pthread_cond_init(notFull, nil)
    }

    deinit {
        pthread_cond_destroy(notFull)
        pthread_cond_destroy(notEmpty)
        pthread_mutex_destroy(mutex)
        notFull.deallocate()
        notEmpty.deallocate()
        mutex.deallocate()
    }

    /// Adds a batch, waiting while the queue is full. Returns false (dropping the batch) once the consumer has
    /// cancelled: the producer should stop.
    func push(_ batch: [Item]) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == capacity && !cancelled { pthread_cond_wait(notFull, mutex) }
        guard !cancelled else { return false }
        slots[(head + count) % capacity] = batch
        count += 1
        pthread_cond_signal(notEmpty)
        return true
    }

    /// The next batch, waiting for one; nil once the producer closed the queue and it is empty.
    func pop() -> [Item]? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while count == 0 && !closed { pthread_cond_wait(notEmpty, mutex) }
        guard count > 0 else { return nil }
        let batch = slots[head]
        slots[head] = []  // the consumer owns it now
        head = (head + 1) % capacity
        count -= 1
        pthread_cond_signal(notFull)
        return batch
    }

    /// The producer is done.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(notEmpty)
        pthread_mutex_unlock(mutex)
    }

    /// The consumer stops: a waiting or later `push` returns false, and queued batches are dropped.
    func cancel() {
        pthread_mutex_lock(mutex)
        cancelled = true
        slots = Array(repeating: [], count: capacity)
        count = 0
        pthread_cond_broadcast(notFull)
        pthread_mutex_unlock(mutex)
    }
}
