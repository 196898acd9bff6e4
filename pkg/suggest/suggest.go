// Package suggest finds the name a user most likely meant, for "did you
// mean" hints on misspelt keys, providers and profiles.
package suggest

import "strings"

// Closest returns the candidate nearest to name by edit distance, ignoring
// case, when it is close enough to be a likely typo (one edit for names up
// to four letters, two beyond), else "". An exact match is not a typo and
// gives "".
func Closest(name string, candidates []string) string {
	name = strings.ToLower(name)
	if name == "" {
		return ""
	}
	limit := 2
	if len(name) <= 4 {
		limit = 1
	}
	best, bestDist := "", limit+1
	for _, c := range candidates {
		d := distance(name, strings.ToLower(c))
		if d == 0 {
			return ""
		}
		if d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// DidYouMean is `; did you mean "X"?` for the closest candidate, or "".
func DidYouMean(name string, candidates []string) string {
	if c := Closest(name, candidates); c != "" {
		return "; did you mean " + c + "?"
	}
	return ""
}

// distance is the Damerau-Levenshtein (optimal string alignment) distance
// over bytes: a swapped pair of letters counts as one edit, as typing makes it.
func distance(a, b string) int {
	prev2 := make([]int, len(b)+1)
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(b)]
}
