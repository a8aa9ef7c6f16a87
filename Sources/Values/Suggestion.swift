/// The valid name nearest to a misspelt one, for "did you mean ...?" hints: Levenshtein
/// distance ignoring case, with a swap of two adjacent letters counting as one edit (so
/// "gird" is one edit from "grid"), accepted when at most max(1, length / 3) edits away
/// (short names need an almost exact match). Ties go to the candidate listed first.
public func suggestion(for name: String, among candidates: [String]) -> String? {
    let target = Array(name.lowercased().unicodeScalars)
    if target.isEmpty { return nil }
    let limit = max(1, target.count / 3)
    var best: (name: String, distance: Int)?
    for candidate in candidates {
        let distance = editDistance(target, Array(candidate.lowercased().unicodeScalars))
        if distance <= limit && distance < (best?.distance ?? Int.max) {
            best = (candidate, distance)
        }
    }
    return best?.name
}

/// " (did you mean "x"?)" or "" — the suffix every unknown-name message uses.
public func didYouMean(_ name: String, among candidates: [String]) -> String {
    guard let match = suggestion(for: name, among: candidates), match != name else { return "" }
    return " (did you mean \"\(match)\"?)"
}

/// Levenshtein distance extended with adjacent transpositions (optimal string alignment),
/// by dynamic programming over three rows.
func editDistance<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int {
    if a.isEmpty { return b.count }
    if b.isEmpty { return a.count }
    var beforePrevious = [Int](repeating: 0, count: b.count + 1)
    var previous = Array(0...b.count)
    var current = [Int](repeating: 0, count: b.count + 1)
    for i in 1...a.count {
        current[0] = i
        for j in 1...b.count {
            let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
            current[j] = min(substitution, previous[j] + 1, current[j - 1] + 1)
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                current[j] = min(current[j], beforePrevious[j - 2] + 1)
            }
        }
        (beforePrevious, previous, current) = (previous, current, beforePrevious)
    }
    return previous[b.count]
}
