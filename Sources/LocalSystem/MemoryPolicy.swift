internal import CShims

/// glibc's allocator settings for a server whose calls allocate in proportion to their request (a
/// 16 MiB trial history decodes into tens of MiB for the length of one call).
///
/// By default glibc raises its mmap threshold to the size of the largest block freed so far (up to
/// 32 MiB), so after the first large call every later large buffer comes from the heap and stays
/// resident when freed; and it keeps up to 128 KiB free at the heap top. Fixing both thresholds makes
/// blocks of 128 KiB and more separate mappings returned on free, and trims the heap top beyond 1 MiB.
/// `trim()` after a large call hands free pages inside the heaps back as well.
public enum MemoryPolicy {
    public static let mmapThresholdBytes: Int32 = 128 << 10
    public static let trimThresholdBytes: Int32 = 1 << 20

    public static func apply() {
        _ = cshims_malloc_thresholds(mmapThresholdBytes, trimThresholdBytes)
    }

    /// Returns free heap memory to the system (glibc `malloc_trim`); costs time in proportion to the
    /// heaps, so call it after large calls only.
    public static func trim() {
        cshims_malloc_trim()
    }
}
