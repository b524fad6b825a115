// Target (b): one DNS message, as found in a UDP payload (or after the two-byte length of DNS over TCP).
//
// Input: byte 0 low 4 bits = bytes of junk before the message (compression pointers are relative to the
// message start, so a non-zero base must not confuse them); bit 4 = record fields. The rest is the message.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let selector = data[0]
    let prefix = Int(selector & 0x0f)
    let bytes = [UInt8](repeating: 0xc0, count: prefix) + Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let recorder: FieldRecorder? = selector & 0x10 != 0 ? FieldRecorder() : nil
    var reader = FrameReader(bytes: bytes, recorder: recorder)
    try? reader.skip(prefix, .dns)
    var partial: DNSMessage?
    let message = try? DNSMessage.decode(&reader, partial: &partial)
    for m in [message, partial].compactMap({ $0 }) {
        // Touch every string the renderers print.
        for q in m.questions { _ = q.name.utf8.count; _ = DNSMessage.typeName(q.type) }
        for r in m.answers + m.authorities + m.additionals {
            _ = r.name.utf8.count + r.data.utf8.count
            _ = DNSMessage.className(r.rrClass)
        }
        _ = DNSMessage.rcodeName(m.rcode)
        if m.questions.count > DNSMessage.maxRecordsPerSection || m.answers.count > DNSMessage.maxRecordsPerSection {
            fuzzFailure("more records than maxRecordsPerSection")
        }
        for name in m.questions.map(\.name) + m.answers.map(\.name) where name.utf8.count > 4 * DNSMessage.maxNameLength {
            fuzzFailure("name of \(name.utf8.count) bytes")
        }
    }
    if let recorder {
        for field in recorder.fields where field.offset < 0 || field.length < 0 || field.offset + field.length > bytes.count {
            fuzzFailure("field \(field.name) at \(field.offset)+\(field.length) outside \(bytes.count) bytes")
        }
    }
    return 0
}
