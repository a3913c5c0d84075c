// See include/katib-wire-check.h. Reads the protobuf wire format (tag varint, then a payload whose
// size the wire type gives) without allocating; every read is bounds-checked against `end`.
#include "katib-wire-check.h"
#include <string.h>

/// Reads a varint at *p (< end); returns 0 on a truncated or over-long varint.
static int read_varint(const uint8_t **p, const uint8_t *end, uint64_t *value) {
    uint64_t v = 0;
    for (unsigned shift = 0; shift < 64 && *p < end; shift += 7) {
        uint8_t byte = *(*p)++;
        v |= (uint64_t)(byte & 0x7f) << shift;
        if (!(byte & 0x80)) { *value = v; return 1; }
    }
    return 0;
}

static const char *scan(const ProtobufCMessageDescriptor *d, const uint8_t *p, const uint8_t *end, int depth) {
    if (depth > 64) return NULL;
    while (p < end) {
        uint64_t key;
        if (!read_varint(&p, end, &key)) return NULL;
        unsigned wire = (unsigned)(key & 7);
        uint64_t number = key >> 3;
        uint64_t skip;
        switch (wire) {
        case 0: if (!read_varint(&p, end, &skip)) return NULL; continue;
        case 1: skip = 8; break;
        case 5: skip = 4; break;
        case 2: {
            uint64_t len;
            if (!read_varint(&p, end, &len) || len > (uint64_t)(end - p)) return NULL;
            const ProtobufCFieldDescriptor *f =
                number <= 0x1fffffff ? protobuf_c_message_descriptor_get_field(d, (unsigned)number) : NULL;
            if (f && f->type == PROTOBUF_C_TYPE_STRING && memchr(p, 0, (size_t)len)) return f->name;
            if (f && f->type == PROTOBUF_C_TYPE_MESSAGE && f->descriptor) {
                const char *inner = scan((const ProtobufCMessageDescriptor *)f->descriptor, p, p + len, depth + 1);
                if (inner) return inner;
            }
            skip = len;
            break;
        }
        default: return NULL;
        }
        if (skip > (uint64_t)(end - p)) return NULL;
        p += skip;
    }
    return NULL;
}

const char *katib_string_with_nul(const ProtobufCMessageDescriptor *descriptor, const uint8_t *data, size_t length) {
    if (!descriptor || (!data && length)) return NULL;
    // No zero byte anywhere, so no string holds a NUL: the common case, decided by one memchr.
    if (!memchr(data, 0, length)) return NULL;
    return scan(descriptor, data, data + length, 0);
}
