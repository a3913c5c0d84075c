// A check on encoded messages that protobuf-c cannot make (hand-written, not generated).
#pragma once
#include <stddef.h>
#include <stdint.h>
#include <protobuf-c/protobuf-c.h>

/// Scans an encoded message of `descriptor` for a string field, at any depth of nested messages, whose
/// bytes contain a NUL. protobuf-c stores strings NUL-terminated, so such a value would be cut at the
/// NUL when unpacked (`"3\0"` would read as `"3"`). Returns the field's name, or NULL when there is
/// none. Malformed input returns NULL: the caller's protobuf_c_message_unpack then rejects it.
/// Nesting deeper than 64 levels is not looked into (unpack refuses nothing for it; Katib's messages
/// nest at most 6 levels).
const char *katib_string_with_nul(const ProtobufCMessageDescriptor *descriptor, const uint8_t *data, size_t length);
