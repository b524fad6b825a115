#if canImport(Glibc)
import Glibc
#endif

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
