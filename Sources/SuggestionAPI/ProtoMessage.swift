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
    // A decoded tree takes roughly twice its encoding (headers, pointer arrays, NUL-terminated strings).
    guard let arena = katib_arena_create(bytes.count * 2 + 4096) else {
        throw RPCError(.resourceExhausted, "out of memory decoding \(name) (\(bytes.count) bytes)")
    }
    defer { katib_arena_destroy(arena) }
    let unpacked = bytes.withUnsafeBufferPointer { buffer in
        protobuf_c_message_unpack(descriptor(descriptorIndex), katib_arena_allocator(arena), buffer.count,
                                  buffer.baseAddress)
    }
    guard let message = unpacked else {
        throw RPCError(.invalidArgument, "malformed protobuf: cannot decode \(name) (\(bytes.count) bytes)")
    }
    // protobuf-c would cut such a string at the NUL and the value would silently change.
    let nulField = bytes.withUnsafeBufferPointer { katib_string_with_nul(descriptor(descriptorIndex), $0.baseAddress, $0.count) }
    if let nulField {
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
