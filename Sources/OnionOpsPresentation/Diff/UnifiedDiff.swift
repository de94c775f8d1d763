/// Unified diffs of two texts, line by line, as `diff -u` prints them.
///
/// A plan shows operators what will change on a host; they compare it with
/// `diff -u` on the rendered files, so the hunks here are GNU diff's, not
/// just any shortest edit script. The steps follow GNU diff: trim the
/// identical ends (keeping `context` lines of each for the analysis), set
/// aside lines that match nothing on the other side, find the edit script
/// with Myers' bidirectional O(ND) search (cut short on hopeless inputs, as
/// diff does), then slide runs of changes to where they merge with their
/// neighbours. A 50,000-line file with a few changes costs a few linear
/// passes.
public enum UnifiedDiff {
    /// The unified diff turning `old` into `new`: `--- oldLabel`,
    /// `+++ newLabel` and `@@ -l,n +l,n @@` hunks with `context` lines
    /// around each change; the empty string when the texts are the same.
    /// An empty `old` is a new file and an empty `new` a deleted one; pass
    /// `/dev/null` as the label if that is how it should read.
    public static func render(
        old: String,
        new: String,
        oldLabel: String,
        newLabel: String,
        context: Int = 3
    ) -> String {
        let oldText = DiffText(old)
        let newText = DiffText(new)
        // Byte-wise: String equality is canonical equivalence, and a file
        // whose bytes change must show up even if it reads the same.
        if oldText.bytes == newText.bytes && oldText.missingNewline == newText.missingNewline { return "" }
        let context = max(context, 0)
        let changes = LineComparison(old: oldText, new: newText, horizon: context).changes()
        if changes.isEmpty { return "" }

        var output = "--- \(oldLabel)\n+++ \(newLabel)\n"
        var first = 0
        while first < changes.count {
            // Changes closer than two contexts share a hunk.
            var last = first
            while last + 1 < changes.count && changes[last + 1].old - changes[last].oldEnd <= 2 * context {
                last += 1
            }
            appendHunk(changes[first...last], old: oldText, new: newText, context: context, to: &output)
            first = last + 1
        }
        return output
    }

    private static func appendHunk(
        _ hunk: ArraySlice<LineChange>,
        old: DiffText,
        new: DiffText,
        context: Int,
        to output: inout String
    ) {
        guard let firstChange = hunk.first, let lastChange = hunk.last else { return }
        let first0 = max(firstChange.old - context, 0)
        let first1 = max(firstChange.new - context, 0)
        let last0 = min(lastChange.oldEnd - 1 + context, old.lineCount - 1)
        let last1 = min(lastChange.newEnd - 1 + context, new.lineCount - 1)
        output += "@@ -\(range(first0, last0)) +\(range(first1, last1)) @@\n"

        var i = first0
        var j = first1
        var next = hunk.startIndex
        while i <= last0 || j <= last1 {
            if next == hunk.endIndex || i < hunk[next].old {
                appendLine(" ", old, i, to: &output)
                i += 1
                j += 1
            } else {
                let change = hunk[next]
                for line in change.old..<change.oldEnd { appendLine("-", old, line, to: &output) }
                for line in change.new..<change.newEnd { appendLine("+", new, line, to: &output) }
                i = change.oldEnd
                j = change.newEnd
                next += 1
            }
        }
    }

    /// `l,n` with 1-based `l`; a single line is just `l`, and an empty
    /// range names the line before it (what patch expects).
    private static func range(_ first: Int, _ last: Int) -> String {
        if last < first { return "\(last + 1),0" }
        if last == first { return "\(first + 1)" }
        return "\(first + 1),\(last - first + 1)"
    }

    private static func appendLine(_ marker: String, _ text: DiffText, _ line: Int, to output: inout String) {
        output += marker
        output += text.line(line)
        output += "\n"
        if text.missingNewline && line == text.lineCount - 1 {
            output += "\\ No newline at end of file\n"
        }
    }
}

/// A text as diff reads it: bytes that always end with a newline (one is
/// added, and remembered, when the text lacks it) and where each line starts.
private struct DiffText {
    let bytes: [UInt8]
    let missingNewline: Bool
    /// `starts[k]` is the offset of line `k`; one extra entry at the end.
    let starts: [Int]

    init(_ text: String) {
        var bytes = Array(text.utf8)
        missingNewline = !bytes.isEmpty && bytes.last != newline
        if missingNewline { bytes.append(newline) }
        var starts = [0]
        bytes.withUnsafeBytes { buffer in
            // Eight bytes at a time, looking closer only at words holding a
            // newline: this pass touches every byte of both texts.
            let newlines: UInt64 = 0x0A0A_0A0A_0A0A_0A0A
            let ones: UInt64 = 0x0101_0101_0101_0101
            let highs: UInt64 = 0x8080_8080_8080_8080
            var offset = 0
            while offset < buffer.count {
                if offset + 8 <= buffer.count {
                    let word = buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self) ^ newlines
                    if (word &- ones) & ~word & highs == 0 {
                        offset += 8
                        continue
                    }
                }
                for index in offset..<min(offset + 8, buffer.count) where buffer[index] == newline {
                    starts.append(index + 1)
                }
                offset += 8
            }
        }
        self.bytes = bytes
        self.starts = starts
    }

    var lineCount: Int { starts.count - 1 }

    /// Line `k` without its newline.
    func line(_ k: Int) -> String {
        String(decoding: bytes[starts[k]..<(starts[k + 1] - 1)], as: UTF8.self)
    }

    /// The line starting at `offset`, which must be a line start or the end.
    func lineIndex(startingAt offset: Int) -> Int {
        var low = 0
        var high = lineCount
        while low < high {
            let middle = (low + high) / 2
            if starts[middle] < offset { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

private let newline = UInt8(ascii: "\n")

/// Numbers the lines of both texts so that equal lines (same bytes, and
/// both or neither missing the final newline) get the same number, from 1.
/// Lines are compared as bytes, not as `String`s, which compare by
/// canonical equivalence: lines that differ only in their bytes must differ.
private struct LineClasses {
    private(set) var classes: [[Int]] = [[], []]
    /// One more than the largest class.
    private(set) var count = 1

    init(_ old: DiffText, _ new: DiffText, lines: [Range<Int>]) {
        let texts = [old, new]
        // Classes sharing a hash are chained, as in diff's buckets.
        var firstWithHash: [UInt64: Int] = [:]
        var nextWithHash = [0]
        var member = [(file: 0, line: 0)]
        old.bytes.withUnsafeBytes { oldBytes in
            new.bytes.withUnsafeBytes { newBytes in
                let buffers = [oldBytes, newBytes]
                for file in 0..<2 {
                    var fileClasses: [Int] = []
                    fileClasses.reserveCapacity(lines[file].count)
                    for line in lines[file] {
                        let hash = Self.hash(texts[file], buffers[file], line)
                        var candidate = firstWithHash[hash] ?? 0
                        while candidate != 0 {
                            let other = member[candidate]
                            if Self.equal(
                                (texts[file], buffers[file], line),
                                (texts[other.file], buffers[other.file], other.line))
                            {
                                break
                            }
                            candidate = nextWithHash[candidate]
                        }
                        if candidate == 0 {
                            candidate = count
                            count += 1
                            nextWithHash.append(firstWithHash[hash] ?? 0)
                            member.append((file, line))
                            firstWithHash[hash] = candidate
                        }
                        fileClasses.append(candidate)
                    }
                    classes[file] = fileClasses
                }
            }
        }
    }

    /// A last line without a newline equals only another such line.
    private static func isComplete(_ text: DiffText, _ line: Int) -> Bool {
        !(text.missingNewline && line == text.lineCount - 1)
    }

    /// Eight bytes at a time: this runs once per line of both texts.
    private static func hash(_ text: DiffText, _ bytes: UnsafeRawBufferPointer, _ line: Int) -> UInt64 {
        let start = text.starts[line]
        let end = text.starts[line + 1] - 1
        var hash: UInt64 = isComplete(text, line) ? 0xCBF2_9CE4_8422_2325 : 0x8422_2325_CBF2_9CE4
        var offset = start
        while offset + 8 <= end {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
            offset += 8
        }
        while offset < end {
            hash = (hash ^ UInt64(bytes[offset])) &* 0x0000_0100_0000_01B3
            offset += 1
        }
        return hash ^ UInt64(end - start)
    }

    private static func equal(
        _ a: (text: DiffText, bytes: UnsafeRawBufferPointer, line: Int),
        _ b: (text: DiffText, bytes: UnsafeRawBufferPointer, line: Int)
    ) -> Bool {
        let startA = a.text.starts[a.line]
        let startB = b.text.starts[b.line]
        let length = a.text.starts[a.line + 1] - startA
        guard length == b.text.starts[b.line + 1] - startB,
            isComplete(a.text, a.line) == isComplete(b.text, b.line)
        else { return false }
        var offset = 0
        while offset + 8 <= length {
            let wordA = a.bytes.loadUnaligned(fromByteOffset: startA + offset, as: UInt64.self)
            let wordB = b.bytes.loadUnaligned(fromByteOffset: startB + offset, as: UInt64.self)
            if wordA != wordB { return false }
            offset += 8
        }
        while offset < length {
            if a.bytes[startA + offset] != b.bytes[startB + offset] { return false }
            offset += 1
        }
        return true
    }
}

/// Lines `old..<oldEnd` of the old text replaced by `new..<newEnd` of the
/// new one (either range may be empty).
private struct LineChange {
    var old: Int
    var oldEnd: Int
    var new: Int
    var newEnd: Int
}

/// Which lines of each text are deleted or inserted, chosen as GNU diff
/// chooses them.
private struct LineComparison {
    /// Lines before the analysed region, the same in both texts.
    private var prefixLines = 0
    /// Equivalence class of each analysed line, per text.
    private var classes: [[Int]] = [[], []]
    /// Per text, one flag per analysed line plus an always-false sentinel at
    /// each end (index 0 and count + 1), so scans need no bounds tests.
    private var changed: [[Bool]] = [[], []]

    init(old: DiffText, new: DiffText, horizon: Int) {
        let region = Self.analysedRegion(old, new, horizon: horizon)
        prefixLines = old.lineIndex(startingAt: region.start)
        let ends = [old.lineIndex(startingAt: region.end0), new.lineIndex(startingAt: region.end1)]
        let equivalence = LineClasses(old, new, lines: [prefixLines..<ends[0], prefixLines..<ends[1]])
        for file in 0..<2 {
            classes[file] = equivalence.classes[file]
            changed[file] = Array(repeating: false, count: classes[file].count + 2)
        }
        compare(classCount: equivalence.count)
        shiftBoundaries()
    }

    /// The changes in text order, in whole-text line numbers.
    func changes() -> [LineChange] {
        var result: [LineChange] = []
        var i0 = 0
        var i1 = 0
        let count0 = classes[0].count
        let count1 = classes[1].count
        while i0 < count0 || i1 < count1 {
            if changed[0][i0 + 1] || changed[1][i1 + 1] {
                let start0 = i0
                let start1 = i1
                while changed[0][i0 + 1] { i0 += 1 }
                while changed[1][i1 + 1] { i1 += 1 }
                result.append(
                    LineChange(
                        old: prefixLines + start0,
                        oldEnd: prefixLines + i0,
                        new: prefixLines + start1,
                        newEnd: prefixLines + i1
                    )
                )
            }
            i0 += 1
            i1 += 1
        }
        return result
    }

    // MARK: - The identical ends

    /// The byte range diff analyses: the identical prefix and suffix are
    /// left out except for `horizon` lines next to the changes (so hunks can
    /// still slide into them). The byte-level scan, not a line-level one,
    /// decides exactly how many suffix lines stay, as in diff.
    private static func analysedRegion(
        _ old: DiffText,
        _ new: DiffText,
        horizon: Int
    ) -> (start: Int, end0: Int, end1: Int) {
        let b0 = old.bytes
        let b1 = new.bytes
        let n0 = b0.count
        let n1 = b1.count
        var p = 0
        while p < min(n0, n1) && b0[p] == b1[p] { p += 1 }
        // The added newline of a text that lacked one is not common.
        let missing0 = old.missingNewline ? 1 : 0
        let missing1 = new.missingNewline ? 1 : 0
        if (n0 - missing0 < p) != (n1 - missing1 < p) { p -= 1 }
        var linesToKeep = horizon
        while p != 0 {
            if b0[p - 1] == newline {
                if linesToKeep == 0 { break }
                linesToKeep -= 1
            }
            p -= 1
        }
        let start = p

        guard old.missingNewline == new.missingNewline else { return (start, n0, n1) }
        var p0 = n0
        var p1 = n1
        let stop0 = start + max(n0 - n1, 0)
        while p0 != stop0 {
            p0 -= 1
            p1 -= 1
            if b0[p0] != b1[p1] {
                // Back to the first byte of the common suffix.
                p0 += 1
                p1 += 1
                break
            }
        }
        let atLineStarts = (p0 == 0 || b0[p0 - 1] == newline) && (p1 == 0 || b1[p1 - 1] == newline)
        var linesToAdd = horizon + (atLineStarts ? 0 : 1)
        let suffixStart0 = p0
        while linesToAdd > 0 && p0 != n0 {
            linesToAdd -= 1
            while b0[p0] != newline { p0 += 1 }
            p0 += 1
        }
        return (start, p0, p1 + (p0 - suffixStart0))
    }

    // MARK: - The edit script

    /// Marks deleted and inserted lines: lines matching nothing (or, in runs
    /// of those, matching very many) lines of the other text first, then
    /// the rest through the middle-snake search.
    private mutating func compare(classCount: Int) {
        var kept: [[Int]] = [[], []]
        var realIndex: [[Int]] = [[], []]
        let discards = confusingLines(classCount: classCount)
        for file in 0..<2 {
            for line in classes[file].indices {
                if discards[file][line] == 0 {
                    kept[file].append(classes[file][line])
                    realIndex[file].append(line)
                } else {
                    changed[file][line + 1] = true
                }
            }
        }
        var search = MiddleSnakeSearch(x: kept[0], y: kept[1])
        var tasks = [(xoff: 0, xlim: kept[0].count, yoff: 0, ylim: kept[1].count, minimal: false)]
        while var task = tasks.popLast() {
            // Slide along the identical ends of this piece.
            while task.xoff < task.xlim && task.yoff < task.ylim && kept[0][task.xoff] == kept[1][task.yoff] {
                task.xoff += 1
                task.yoff += 1
            }
            while task.xoff < task.xlim && task.yoff < task.ylim
                && kept[0][task.xlim - 1] == kept[1][task.ylim - 1]
            {
                task.xlim -= 1
                task.ylim -= 1
            }
            if task.xoff == task.xlim {
                for y in task.yoff..<task.ylim { changed[1][realIndex[1][y] + 1] = true }
            } else if task.yoff == task.ylim {
                for x in task.xoff..<task.xlim { changed[0][realIndex[0][x] + 1] = true }
            } else {
                let part = search.middle(
                    xoff: task.xoff, xlim: task.xlim, yoff: task.yoff, ylim: task.ylim, minimal: task.minimal)
                tasks.append((task.xoff, part.x, task.yoff, part.y, part.lowMinimal))
                tasks.append((part.x, task.xlim, part.y, task.ylim, part.highMinimal))
            }
        }
    }

    /// Per text and line: 0 kept, 1 matches no line of the other text, 2
    /// matches so many that it only confuses the search (dropped only in
    /// the middle of a run of 1s). Mirrors diff's thresholds, which decide
    /// which of several shortest scripts is printed.
    private func confusingLines(classCount: Int) -> [[UInt8]] {
        var counts = [Array(repeating: 0, count: classCount), Array(repeating: 0, count: classCount)]
        for file in 0..<2 {
            for equivalence in classes[file] { counts[file][equivalence] += 1 }
        }
        var discards: [[UInt8]] = [[], []]
        for file in 0..<2 {
            let end = classes[file].count
            var many = 5
            var quarter = end / 64
            while true {
                quarter >>= 2
                if quarter <= 0 { break }
                many *= 2
            }
            discards[file] = classes[file].map { equivalence in
                let matches = counts[1 - file][equivalence]
                return matches == 0 ? 1 : (matches > many ? 2 : 0)
            }
        }
        for file in 0..<2 {
            Self.keepProvisionals(in: &discards[file])
        }
        return discards
    }

    /// Cancels the provisional discards (2) except inside runs of
    /// discardable lines that begin and end with a definite one (1).
    private static func keepProvisionals(in discards: inout [UInt8]) {
        let end = discards.count
        var i = 0
        while i < end {
            defer { i += 1 }
            if discards[i] == 2 {
                discards[i] = 0
                continue
            }
            if discards[i] == 0 { continue }
            var j = i
            var provisional = 0
            while j < end && discards[j] != 0 {
                if discards[j] == 2 { provisional += 1 }
                j += 1
            }
            while j > i && discards[j - 1] == 2 {
                j -= 1
                discards[j] = 0
                provisional -= 1
            }
            let length = j - i
            if provisional * 4 > length {
                while j > i {
                    j -= 1
                    if discards[j] == 2 { discards[j] = 0 }
                }
                continue
            }
            // A subrun of `minimum` or more provisionals stands for itself.
            var minimum = 1
            var quarter = length >> 2
            while true {
                quarter >>= 2
                if quarter <= 0 { break }
                minimum <<= 1
            }
            minimum += 1
            var consecutive = 0
            j = 0
            while j < length {
                if discards[i + j] != 2 {
                    consecutive = 0
                } else {
                    consecutive += 1
                    if consecutive == minimum {
                        j -= consecutive
                    } else if consecutive > minimum {
                        discards[i + j] = 0
                    }
                }
                j += 1
            }
            // Near either end of the run, provisionals stay until three
            // definite discards in a row (or one 8 lines in).
            cancelProvisionals(in: &discards, from: i, step: 1, length: length)
            i += length - 1
            cancelProvisionals(in: &discards, from: i, step: -1, length: length)
        }
    }

    private static func cancelProvisionals(in discards: inout [UInt8], from start: Int, step: Int, length: Int) {
        var consecutive = 0
        for j in 0..<length {
            let k = start + j * step
            if j >= 8 && discards[k] == 1 { break }
            if discards[k] == 2 {
                consecutive = 0
                discards[k] = 0
            } else if discards[k] == 0 {
                consecutive = 0
            } else {
                consecutive += 1
            }
            if consecutive == 3 { break }
        }
    }

    // MARK: - Sliding runs of changes

    /// Where a run of changed lines could equally sit elsewhere (its last
    /// line equals the line before it, or its first the line after), moves
    /// it to merge with neighbouring runs, else as far down as it goes, else
    /// back level with a change in the other text.
    private mutating func shiftBoundaries() {
        for file in 0..<2 {
            let equivalence = classes[file]
            let end = equivalence.count
            // Indices are line numbers; the flags sit one further on.
            func isChanged(_ line: Int) -> Bool { changed[file][line + 1] }
            func otherChanged(_ line: Int) -> Bool { changed[1 - file][line + 1] }
            var i = 0
            var j = 0
            while true {
                while i < end && !isChanged(i) {
                    while otherChanged(j) { j += 1 }
                    j += 1
                    i += 1
                }
                if i == end { break }
                var start = i
                i += 1
                while isChanged(i) { i += 1 }
                while otherChanged(j) { j += 1 }
                var corresponding = end
                var runLength = 0
                repeat {
                    runLength = i - start
                    while start > 0 && equivalence[start - 1] == equivalence[i - 1] {
                        start -= 1
                        changed[file][start + 1] = true
                        i -= 1
                        changed[file][i + 1] = false
                        while isChanged(start - 1) { start -= 1 }
                        j -= 1
                        while otherChanged(j) { j -= 1 }
                    }
                    corresponding = otherChanged(j - 1) ? i : end
                    while i != end && equivalence[start] == equivalence[i] {
                        changed[file][start + 1] = false
                        start += 1
                        changed[file][i + 1] = true
                        i += 1
                        while isChanged(i) { i += 1 }
                        j += 1
                        while otherChanged(j) {
                            corresponding = i
                            j += 1
                        }
                    }
                } while runLength != i - start
                while corresponding < i {
                    start -= 1
                    changed[file][start + 1] = true
                    i -= 1
                    changed[file][i + 1] = false
                    j -= 1
                    while otherChanged(j) { j -= 1 }
                }
            }
        }
    }
}

/// Myers' bidirectional search for the middle of a shortest edit script
/// ("An O(ND) Difference Algorithm and Its Variations", section 4b), with
/// diff's cut-off: past about the square root of the input size in edit
/// cost, it settles for the furthest point reached, so a pathological input
/// costs O(N^1.5) instead of O(N^2).
private struct MiddleSnakeSearch {
    struct Partition {
        var x: Int
        var y: Int
        var lowMinimal: Bool
        var highMinimal: Bool
    }

    private let x: [Int]
    private let y: [Int]
    /// Furthest x reached on each diagonal, forward and backward; diagonal
    /// `d` is at index `d + offset`.
    private var forward: [Int]
    private var backward: [Int]
    private let offset: Int
    private let tooExpensive: Int

    init(x: [Int], y: [Int]) {
        self.x = x
        self.y = y
        let diagonals = x.count + y.count + 3
        forward = Array(repeating: 0, count: diagonals)
        backward = Array(repeating: 0, count: diagonals)
        offset = y.count + 1
        var cost = 1
        var size = diagonals
        while size != 0 {
            cost <<= 1
            size >>= 2
        }
        tooExpensive = max(4096, cost)
    }

    /// A point on a shortest path from (xoff, yoff) to (xlim, ylim), whose
    /// first and last elements are known to differ.
    mutating func middle(xoff: Int, xlim: Int, yoff: Int, ylim: Int, minimal: Bool) -> Partition {
        let bounds = Bounds(xoff: xoff, xlim: xlim, yoff: yoff, ylim: ylim)
        let offset = offset
        let limit = minimal ? Int.max : tooExpensive
        // Raw buffers: this loop is the whole cost on inputs with many
        // changes, and array accesses are several times slower in debug.
        return x.withUnsafeBufferPointer { x in
            y.withUnsafeBufferPointer { y in
                forward.withUnsafeMutableBufferPointer { forward in
                    backward.withUnsafeMutableBufferPointer { backward in
                        Self.middle(
                            bounds, x: x, y: y, forward: forward, backward: backward, offset: offset, limit: limit)
                    }
                }
            }
        }
    }

    private struct Bounds {
        var xoff: Int
        var xlim: Int
        var yoff: Int
        var ylim: Int
    }

    private static func middle(
        _ bounds: Bounds,
        x: UnsafeBufferPointer<Int>,
        y: UnsafeBufferPointer<Int>,
        forward: UnsafeMutableBufferPointer<Int>,
        backward: UnsafeMutableBufferPointer<Int>,
        offset: Int,
        limit: Int
    ) -> Partition {
        let (xoff, xlim, yoff, ylim) = (bounds.xoff, bounds.xlim, bounds.yoff, bounds.ylim)
        let dmin = xoff - ylim
        let dmax = xlim - yoff
        let fmid = xoff - yoff
        let bmid = xlim - ylim
        var fmin = fmid
        var fmax = fmid
        var bmin = bmid
        var bmax = bmid
        let odd = (fmid - bmid) & 1 != 0
        forward[fmid + offset] = xoff
        backward[bmid + offset] = xlim
        var cost = 1
        while true {
            if fmin > dmin {
                fmin -= 1
                forward[fmin - 1 + offset] = -1
            } else {
                fmin += 1
            }
            if fmax < dmax {
                fmax += 1
                forward[fmax + 1 + offset] = -1
            } else {
                fmax -= 1
            }
            var d = fmax
            while d >= fmin {
                let low = forward[d - 1 + offset]
                let high = forward[d + 1 + offset]
                var px = low < high ? high : low + 1
                var py = px - d
                while px < xlim && py < ylim && x[px] == y[py] {
                    px += 1
                    py += 1
                }
                forward[d + offset] = px
                if odd && bmin <= d && d <= bmax && backward[d + offset] <= px {
                    return Partition(x: px, y: py, lowMinimal: true, highMinimal: true)
                }
                d -= 2
            }

            if bmin > dmin {
                bmin -= 1
                backward[bmin - 1 + offset] = Int.max
            } else {
                bmin += 1
            }
            if bmax < dmax {
                bmax += 1
                backward[bmax + 1 + offset] = Int.max
            } else {
                bmax -= 1
            }
            d = bmax
            while d >= bmin {
                let low = backward[d - 1 + offset]
                let high = backward[d + 1 + offset]
                var px = low < high ? low : high - 1
                var py = px - d
                while xoff < px && yoff < py && x[px - 1] == y[py - 1] {
                    px -= 1
                    py -= 1
                }
                backward[d + offset] = px
                if !odd && fmin <= d && d <= fmax && px <= forward[d + offset] {
                    return Partition(x: px, y: py, lowMinimal: true, highMinimal: true)
                }
                d -= 2
            }

            if cost >= limit {
                return bestSoFar(
                    bounds, forward: forward, forwardRange: (fmin, fmax), backward: backward,
                    backwardRange: (bmin, bmax), offset: offset)
            }
            cost += 1
        }
    }

    /// Gives up on a shortest script: the forward or backward frontier
    /// point that got furthest, whichever got further.
    private static func bestSoFar(
        _ bounds: Bounds,
        forward: UnsafeMutableBufferPointer<Int>,
        forwardRange: (Int, Int),
        backward: UnsafeMutableBufferPointer<Int>,
        backwardRange: (Int, Int),
        offset: Int
    ) -> Partition {
        let (xoff, xlim, yoff, ylim) = (bounds.xoff, bounds.xlim, bounds.yoff, bounds.ylim)
        var forwardSum = -1
        var forwardX = 0
        for d in stride(from: forwardRange.1, through: forwardRange.0, by: -2) {
            // Clipped to the rectangle, staying on diagonal d (y = x - d).
            var px = min(forward[d + offset], xlim)
            if ylim < px - d { px = ylim + d }
            if forwardSum < 2 * px - d {
                forwardSum = 2 * px - d
                forwardX = px
            }
        }
        var backwardSum = Int.max
        var backwardX = 0
        for d in stride(from: backwardRange.1, through: backwardRange.0, by: -2) {
            var px = max(xoff, backward[d + offset])
            if px - d < yoff { px = yoff + d }
            if 2 * px - d < backwardSum {
                backwardSum = 2 * px - d
                backwardX = px
            }
        }
        if (xlim + ylim) - backwardSum < forwardSum - (xoff + yoff) {
            return Partition(x: forwardX, y: forwardSum - forwardX, lowMinimal: true, highMinimal: false)
        }
        return Partition(x: backwardX, y: backwardSum - backwardX, lowMinimal: false, highMinimal: true)
    }
}
