import Capture

/// Reads several capture files in order, numbering frames on across them, reporting each file's problems on
/// stderr without stopping the others. Shared by every command that reads files.
enum CaptureInput {
    /// Calls `body` for each frame; `body` returns false to stop early. Throws `CommandFailure` (exit 2) at the
    /// end if any file could not be read whole.
    static func forEachFrame(in files: [String], before report: () -> Void = {},
                             _ body: (Frame) throws -> Bool) throws {
        var thrown: Error?
        let failures = readFrames(in: files, problem: { message in
            report()
            printError(message)
        }) { frame in
            do { return try body(frame) } catch {
                thrown = error
                return false
            }
        }
        if let thrown { throw thrown }
        if failures > 0 { throw CommandFailure(message: "", code: 2) }
    }

    /// The reading loop itself: frames go to `body` (false stops), each file's problems to `problem` as the
    /// stderr line to print. Returns how many files could not be read whole. Each frame is handed over, not lent:
    /// a reader that keeps it (in a batch) takes it without a copy.
    static func readFrames(in files: [String], problem: (String) -> Void, _ body: (consuming Frame) -> Bool) -> Int {
        var failures = 0
        var nextNumber = 1
        fileLoop: for path in files {
            let reader: CaptureFileReader
            do {
                reader = try CaptureFileReader(path: path, firstFrameNumber: nextNumber)
            } catch {
                problem("socketscope: \(error)")
                failures += 1
                continue
            }
            do {
                while let frame = try reader.next() {
                    if !body(frame) { break fileLoop }
                }
            } catch {
                problem("socketscope: \(error)")
                failures += 1
            }
            nextNumber += reader.framesRead
            if !reader.warnings.isEmpty {
                for warning in reader.warnings { problem("socketscope: \(warning)") }
                if reader.warnings.contains(where: { $0.message.contains("cut short") }) { failures += 1 }
            }
        }
        return failures
    }
}
