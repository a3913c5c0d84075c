// A bump allocator for protobuf_c_message_unpack (hand-written, not generated).
//
// Decoding a request allocates one small block per message, string and array; with an arena those
// allocations are pointer bumps and the whole tree is released by one katib_arena_destroy instead
// of protobuf_c_message_free_unpacked walking it. The allocator's free is a no-op, so a tree
// unpacked with it must never be passed to protobuf_c_message_free_unpacked with another allocator.
#pragma once
#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct KatibArena KatibArena;

/// An arena whose first block holds `first_block_bytes` (at least 4 KiB); NULL when out of memory.
KatibArena *katib_arena_create(size_t first_block_bytes);
/// The allocator to pass to protobuf_c_message_unpack. Valid until the arena is destroyed.
ProtobufCAllocator *katib_arena_allocator(KatibArena *arena);
/// Bytes obtained from malloc so far (blocks and headers).
size_t katib_arena_reserved_bytes(const KatibArena *arena);
/// Frees every block. NULL is accepted.
void katib_arena_destroy(KatibArena *arena);
