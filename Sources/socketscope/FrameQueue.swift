#if canImport(Glibc)
import Glibc
#endif
import Capture

/// A bounded hand-off from the capture thread to the decoding thread. The capture thread never waits: when the
/// queue is full the frame is counted as not decoded live (it is still in the -w file), so a slow terminal can
/// never make the kernel drop frames.
final class FrameQueue: @unchecked Sendable {
    private var frames: [Frame?]
    private var head = 0
    private var count = 0
    private var bytes = 0
    private var closed = false
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    let maxBytes: Int
    /// Frames the decoding thread never saw because it had fallen behind.
    private(set) var skipped = 0

    init(capacity: Int = 1 << 16, maxBytes: Int = 64 << 20) {
        frames = Array(repeating: nil, count: max(1, capacity))
        self.maxBytes = maxBytes
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    deinit {
        pthread_cond_destroy(&condition)
        pthread_mutex_destroy(&mutex)
    }

    /// Adds a frame unless the queue is full. Never blocks for long: only for the lock.
    func offer(_ frame: Frame) {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        guard count < frames.count, bytes + frame.capturedLength <= maxBytes else {
            skipped += 1
            return
        }
        frames[(head + count) % frames.count] = frame
        count += 1
        bytes += frame.capturedLength
        pthread_cond_signal(&condition)
    }

    /// The next frame, waiting for one; nil once closed and empty.
    func take() -> Frame? {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        while count == 0 && !closed { pthread_cond_wait(&condition, &mutex) }
        guard count > 0 else { return nil }
        let frame = frames[head]
        frames[head] = nil
        head = (head + 1) % frames.count
        count -= 1
        bytes -= frame?.capturedLength ?? 0
        return frame
    }

    /// No more frames will be offered.
    func close() {
        pthread_mutex_lock(&mutex)
        closed = true
        pthread_cond_broadcast(&condition)
        pthread_mutex_unlock(&mutex)
    }

    var skippedCount: Int {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return skipped
    }
}

/// Runs `body` on a new thread; `join()` waits for it.
final class WorkerThread: @unchecked Sendable {
    private var thread = pthread_t()
    private let body: () -> Void

    init(_ body: @escaping () -> Void) {
        self.body = body
        let context = Unmanaged.passRetained(self).toOpaque()
        pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            let worker = Unmanaged<WorkerThread>.fromOpaque(raw).takeRetainedValue()
            worker.body()
            return nil
        }, context)
    }

    func join() { pthread_join(thread, nil) }
}
