extension StringProtocol where UTF8View: BidirectionalCollection {
    /// The text without leading and trailing characters from `set` (by default ASCII spaces, tabs and
    /// line breaks: what Katib's values, settings and headers may be padded with). Returns the text
    /// itself, without copying, when neither end needs trimming.
    public func trimming(_ set: String = " \t\n\r") -> String {
        // ASCII ends are checked on bytes: the common case (nothing to trim) costs two comparisons.
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, !set.utf8.contains(f), !set.utf8.contains(l) {
            return String(self)
        }
        guard let first = self.first, let last = self.last, set.contains(first) || set.contains(last) else {
            return String(self)
        }
        guard let start = firstIndex(where: { !set.contains($0) }) else { return "" }
        let end = lastIndex(where: { !set.contains($0) })!
        return String(self[start...end])
    }
}
