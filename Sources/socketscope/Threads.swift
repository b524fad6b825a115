#if canImport(Glibc)
import Glibc
#endif
import ArgumentParser

/// `--threads`: how many workers share the decoding and session work of reading a file, split by flow.
struct ThreadOption: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Workers to use: 1 does everything on one thread; with 2 or more, frames are decoded and followed by that "
            + "many workers (the second also reads the files), each owning the flows of its share of IP address pairs, "
            + "and put back in capture order for the lessons and the output by the thread that merges, which is also "
            + "the first worker (the other workers write what they can of their frames' lines while the merging "
            + "thread is behind). The output is the same. Default: the number of cores, at most 2.",
        valueName: "n"))
    var threads: Int = ThreadOption.defaultThreads

    /// One per core, at most two: what is measured (Benchmarks/README.md) is two cores; more workers are allowed.
    static let maximum = 64

    static var defaultThreads: Int { max(1, min(2, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))) }

    func validate() throws {
        if threads < 1 { throw ValidationError("--threads must be at least 1") }
        if threads > Self.maximum { throw ValidationError("--threads can be at most \(Self.maximum)") }
    }
}

/// How frames cross between threads: in batches, one lock round trip (and at most one thread wake-up) per batch,
/// not per frame; each queue holds a few batches, so no stage runs far ahead and memory stays bounded.
enum PipelineBatch {
    /// 512 since worker 1 reads (round 16): it follows its own frames of a batch right after reading them, while
    /// they are still in its cache; 1024 was 3–4 % slower in `read` and held 3 MiB more, 2048 8 % slower, 256 no
    /// faster.
    static let size = 512
    /// Two, not four: the same speed (interleaved runs, OPTIMISATION.md round 9), and a pipeline that can run
    /// fewer batches ahead holds less at its fullest, so a long capture's peak (the fullest moment of many) stays
    /// closer to a short one's.
    static let queueDepth = 2
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

    /// Whether no batch is waiting: the consumer has taken every one pushed so far.
    var isEmpty: Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return count == 0
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

/// Values handed back to the thread that allocated them, to be destroyed there. glibc frees a block fastest on
/// the thread whose heap it came from; frames and analysed frames freed on the merging thread instead went
/// through other heaps' locks and left them fragmented. Unbounded, but the sender sends one item per batch and
/// the owner empties it once per batch.
final class ReturnChute<Item: Sendable>: @unchecked Sendable {
    private var items: [Item] = []
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)

    init() { pthread_mutex_init(mutex, nil) }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    func send(_ item: consuming Item) {
        pthread_mutex_lock(mutex)
        items.append(item)
        pthread_mutex_unlock(mutex)
    }

    /// Destroys what was sent back, on the calling thread (the owner's).
    func empty() {
        _ = takeAll()  // released here, outside the lock
    }

    /// What was sent back, for the owner to reuse or destroy.
    func takeAll() -> [Item] {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        let taken = items
        items = []
        return taken
    }
}
