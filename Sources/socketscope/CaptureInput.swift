import Capture

/// Reads several capture files in order, numbering frames on across them, reporting each file's problems on
/// stderr without stopping the others. Shared by every command that reads files.
enum CaptureInput {
    /// Calls `body` for each frame; `body` returns false to stop early. Throws `CommandFailure` (exit 2) at the
    /// end if any file could not be read whole.
    static func forEachFrame(in files: [String], before report: () -> Void = {},
                             _ body: (Frame) throws -> Bool) throws {
        var failures = 0
        var nextNumber = 1
        fileLoop: for path in files {
            let reader: CaptureFileReader
            do {
                reader = try CaptureFileReader(path: path, firstFrameNumber: nextNumber)
            } catch {
                report()
                printError("socketscope: \(error)")
                failures += 1
                continue
            }
            do {
                while let frame = try reader.next() {
                    if try !body(frame) { break fileLoop }
                }
            } catch let error as CaptureError {
                report()
                printError("socketscope: \(error)")
                failures += 1
            }
            nextNumber += reader.framesRead
            if !reader.warnings.isEmpty {
                report()
                for warning in reader.warnings { printError("socketscope: \(warning)") }
                if reader.warnings.contains(where: { $0.message.contains("cut short") }) { failures += 1 }
            }
        }
        if failures > 0 { throw CommandFailure(message: "", code: 2) }
    }
}
