private import CProtobufC
private import CKatibProto
#if canImport(Glibc)
import Glibc
#endif

/// A protobuf message of proto/ as a Swift value. The conformances are generated
/// (Generated/Codecs.swift) from the protoc-c descriptors.
public protocol ProtoMessage: Sendable, Hashable {
    static var protoFullName: String { get }
    /// Throws INVALID_ARGUMENT when the bytes are not a valid encoding of this message.
    init(serializedBytes: [UInt8]) throws(RPCError)
    /// The encoding (the transport frames it without copying: `GRPCFraming`).
    func serializedBytes() -> [UInt8]
}

// The helpers below are the only hand-written unsafe code of the codecs. Ownership rule: every node
// of a tree built for encoding is malloc'd here (messages, pointer arrays, strdup'd strings, even
// empty ones), so protobuf_c_message_free_unpacked with the default allocator frees all of it.

private func descriptor(_ index: Int) -> UnsafePointer<ProtobufCMessageDescriptor> {
    guard let d = katib_message_descriptor(Int32(index)) else { preconditionFailure("descriptor table out of date") }
    return d
}

/// The number of `field` (its proto name) in the message of the descriptor at `index`; nil when the
/// message has no such field.
func fieldNumber(descriptorIndex index: Int, field: String) -> UInt64? {
    protobuf_c_message_descriptor_get_field_by_name(descriptor(index), field).map { UInt64($0.pointee.id) }
}

/// char * → String. Caveats of protobuf-c: an embedded NUL would truncate (`decodeMessage` refuses such
/// input); invalid UTF-8 becomes U+FFFD.
func cString(_ p: UnsafePointer<CChar>?) -> String { p.map { String(cString: $0) } ?? "" }

func cDup(_ s: String) -> UnsafeMutablePointer<CChar>? { strdup(s) }

/// A zeroed array of `count` elements of `stride` bytes, or nil when empty.
func cArray(count: Int, stride: Int) -> UnsafeMutableRawPointer? {
    count == 0 ? nil : calloc(count, stride)
}

/// A malloc'd, initialised message of the descriptor at `index`.
func cNewMessage(_ index: Int) -> UnsafeMutableRawPointer {
    let d = descriptor(index)
    let p = calloc(1, d.pointee.sizeof_message)!
    protobuf_c_message_init(d, p)
    return p
}

/// Unpacks into an arena (katib-arena.h) sized from the input, copies the tree out into Swift values,
/// then drops the arena in one step. Every decoded C pointer is dead once this returns.
func decodeMessage<T>(_ bytes: [UInt8], descriptorIndex: Int, name: String,
                      _ copy: (UnsafeRawPointer) -> T) throws(RPCError) -> T {
    try bytes.withUnsafeBufferPointer { (buffer) throws(RPCError) -> T in
        try decodeMessage(buffer, descriptorIndex: descriptorIndex, name: name, copy)
    }
}

/// The same for bytes in a buffer (e.g. one field of a larger message); `name` and `reportedSize`
/// are what errors name (the enclosing message's, when this is a part of it).
func decodeMessage<T>(_ buffer: UnsafeBufferPointer<UInt8>, descriptorIndex: Int, name: String, reportedSize: Int? = nil,
                      _ copy: (UnsafeRawPointer) -> T) throws(RPCError) -> T {
    let size = reportedSize ?? buffer.count
    // A decoded tree takes roughly twice its encoding (headers, pointer arrays, NUL-terminated strings).
    guard let arena = katib_arena_create(buffer.count * 2 + 4096) else {
        throw RPCError(.resourceExhausted, "out of memory decoding \(name) (\(size) bytes)")
    }
    defer { katib_arena_destroy(arena) }
    let unpacked = protobuf_c_message_unpack(descriptor(descriptorIndex), katib_arena_allocator(arena), buffer.count,
                                             buffer.baseAddress)
    guard let message = unpacked else {
        throw RPCError(.invalidArgument, "malformed protobuf: cannot decode \(name) (\(size) bytes)")
    }
    // protobuf-c would cut such a string at the NUL and the value would silently change.
    if let nulField = katib_string_with_nul(descriptor(descriptorIndex), buffer.baseAddress, buffer.count) {
        throw RPCError(.invalidArgument, "\(name): the string field \(String(cString: nulField)) contains a NUL byte (\\0); names and values must be text without NUL")
    }
    return copy(UnsafeRawPointer(message))
}

func encodeMessage(_ tree: UnsafeMutableRawPointer) -> [UInt8] {
    let message = tree.assumingMemoryBound(to: ProtobufCMessage.self)
    defer { protobuf_c_message_free_unpacked(message, nil) }
    let size = protobuf_c_message_get_packed_size(message)
    return [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        if size > 0 { _ = protobuf_c_message_pack(message, buffer.baseAddress!) }
        count = size
    }
}
