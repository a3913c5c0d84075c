/// The q-quantile of `values` by linear interpolation between order statistics (Hyndman and Fan
/// 1996, definition 7; numpy's default): with the values sorted as x_0 <= … <= x_(n−1) and
/// h = (n − 1)·q, the result is x_⌊h⌋ + (h − ⌊h⌋)·(x_⌊h⌋+1 − x_⌊h⌋). q = 0.5 is the median (the middle
/// value, or the mean of the two middle values). Preconditions: `values` non-empty, 0 <= q <= 1.
func quantile(_ values: [Double], _ q: Double) -> Double {
    precondition(!values.isEmpty && q >= 0 && q <= 1)
    let sorted = values.sorted()
    let h = Double(sorted.count - 1) * q
    let lower = Int(h.rounded(.down))
    let upper = Swift.min(lower + 1, sorted.count - 1)
    let fraction = h - Double(lower)
    return fraction == 0 ? sorted[lower] : sorted[lower] + fraction * (sorted[upper] - sorted[lower])
}

/// The mean of the first `count` values (all of them when there are fewer), summed left to right as
/// Katib's medianstop does. nil for an empty array.
func meanOfFirst(_ values: [Double], _ count: Int) -> Double? {
    let head = values.prefix(count)
    guard !head.isEmpty else { return nil }
    return head.reduce(0, +) / Double(head.count)
}
