/// A session's text lines held back until it ends (`read` groups each session's lines in one block).
struct SessionBlock {
    /// The lines, each ending with a newline.
    private(set) var bytes: [UInt8] = []
    private(set) var lineCount = 0

    /// Adds a line; returns how many the block holds now.
    @discardableResult
    mutating func add(line: UnsafeRawBufferPointer) -> Int {
        bytes.append(contentsOf: line)
        bytes.append(0x0a)
        lineCount += 1
        return lineCount
    }

    mutating func add(line: String) {
        var line = line
        line.withUTF8 { _ = add(line: UnsafeRawBufferPointer($0)) }
    }
}
