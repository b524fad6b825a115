/// HTTP/1.x exchanges on one TCP session, built from the reassembled streams.
/// (Waits for Wire's resumable HTTPParser; until then it records nothing.)
final class HTTPTransactions {
    private(set) var transactions: [HTTPTransaction] = []

    init() {}

    /// Feeds one stream chunk; returns exchanges whose request or response head this chunk completed.
    func feed(_ chunk: StreamChunk, direction: Direction, frame: Int) -> [HTTPTransaction] { [] }

    /// The session ended.
    func finish() {}
}
