// Target (c): one DHCP/BOOTP message, as found in a UDP payload.
//
// Input: byte 0 bit 0 = record fields; the rest is the message.
import Wire

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size >= 1 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data + 1, count: size - 1))
    let recorder: FieldRecorder? = data[0] & 1 != 0 ? FieldRecorder() : nil
    var reader = FrameReader(bytes: bytes, recorder: recorder)
    var partial: DHCPMessage?
    let message = try? DHCPMessage.decode(&reader, partial: &partial)
    for m in [message, partial].compactMap({ $0 }) {
        if m.options.count > DHCPMessage.maxOptions { fuzzFailure("\(m.options.count) options") }
        _ = m.hostname?.utf8.count
        _ = m.vendorClassID?.utf8.count
        _ = m.messageType.map(DHCPMessage.messageTypeName)
        for option in m.options { _ = DHCPMessage.optionName(option.code) }
    }
    if let recorder {
        for field in recorder.fields where field.offset < 0 || field.length < 0 || field.offset + field.length > bytes.count {
            fuzzFailure("field \(field.name) at \(field.offset)+\(field.length) outside \(bytes.count) bytes")
        }
    }
    return 0
}
