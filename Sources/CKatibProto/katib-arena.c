// See include/katib-arena.h. Invariants: `current` is the block being bumped; every block is on the
// `blocks` list exactly once; allocations are 16-byte aligned (max_align_t on x86-64 and arm64).
#include "katib-arena.h"
#include <stdint.h>
#include <stdlib.h>

typedef struct Block {
    struct Block *next;
    size_t capacity;   // usable bytes after the header
    size_t used;
} Block;

struct KatibArena {
    ProtobufCAllocator allocator;
    Block *blocks;
    Block *current;
    size_t next_capacity;
    size_t reserved;
};

enum { ALIGN = 16, HEADER = (sizeof(Block) + ALIGN - 1) / ALIGN * ALIGN, MIN_BLOCK = 4096 };

static Block *new_block(KatibArena *a, size_t capacity) {
    if (capacity > SIZE_MAX - HEADER) return NULL;
    Block *b = malloc(HEADER + capacity);
    if (!b) return NULL;
    b->capacity = capacity;
    b->used = 0;
    b->next = a->blocks;
    a->blocks = b;
    a->reserved += HEADER + capacity;
    return b;
}

static void *arena_alloc(void *data, size_t size) {
    KatibArena *a = data;
    if (size == 0) size = 1;
    if (size > SIZE_MAX - ALIGN) return NULL;
    size_t rounded = (size + ALIGN - 1) & ~(size_t)(ALIGN - 1);
    Block *b = a->current;
    if (!b || b->capacity - b->used < rounded) {
        if (rounded > a->next_capacity / 4) {
            // A large allocation gets a block of its own; the current block keeps bumping.
            Block *own = new_block(a, rounded);
            if (!own) return NULL;
            own->used = rounded;
            return (char *)own + HEADER;
        }
        b = new_block(a, a->next_capacity);
        if (!b) return NULL;
        a->current = b;
        if (a->next_capacity <= SIZE_MAX / 2) a->next_capacity *= 2;
    }
    void *p = (char *)b + HEADER + b->used;
    b->used += rounded;
    return p;
}

static void arena_free(void *data, void *pointer) {
    (void)data;
    (void)pointer;
}

KatibArena *katib_arena_create(size_t first_block_bytes) {
    KatibArena *a = calloc(1, sizeof *a);
    if (!a) return NULL;
    a->allocator.alloc = arena_alloc;
    a->allocator.free = arena_free;
    a->allocator.allocator_data = a;
    a->next_capacity = first_block_bytes < MIN_BLOCK ? MIN_BLOCK : first_block_bytes;
    return a;
}

ProtobufCAllocator *katib_arena_allocator(KatibArena *arena) { return &arena->allocator; }

size_t katib_arena_reserved_bytes(const KatibArena *arena) { return arena->reserved; }

void katib_arena_destroy(KatibArena *arena) {
    if (!arena) return;
    Block *b = arena->blocks;
    while (b) {
        Block *next = b->next;
        free(b);
        b = next;
    }
    free(arena);
}
