extension StringProtocol where UTF8View: BidirectionalCollection {
    /// The text without leading and trailing characters from `set` (by default ASCII spaces, tabs and
    /// line breaks: what Katib's values, settings and headers may be padded with). Returns the text
    /// itself, without copying, when neither end needs trimming.
    ///
    /// Inlinable so that callers in other modules get it specialised for `String`: unspecialised, every
    /// `utf8` access goes through witness tables, and this runs for every number of every request.
    @inlinable
    public func trimming(_ set: String = " \t\n\r") -> String {
        // ASCII ends are checked on bytes: the common case (nothing to trim) costs two comparisons.
        if let f = utf8.first, let l = utf8.last, f < 0x80, l < 0x80, !Self.asciiSet(set, contains: f),
           !Self.asciiSet(set, contains: l) {
            return String(self)
        }
        guard let first = self.first, let last = self.last, set.contains(first) || set.contains(last) else {
            return String(self)
        }
        guard let start = firstIndex(where: { !set.contains($0) }) else { return "" }
        let end = lastIndex(where: { !set.contains($0) })!
        return String(self[start...end])
    }

    @inlinable
    static func asciiSet(_ set: String, contains byte: UInt8) -> Bool {
        var set = set
        return set.withUTF8 { $0.contains(byte) }
    }
}
