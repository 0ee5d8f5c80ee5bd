/**
 * "Did you mean …?" for mistyped names (commands, flags, config keys): the closest candidate by
 * edit distance (fastest-levenshtein, the library oclif's own not-found plugin family relies on),
 * only when it is close enough to be a typo rather than another word.
 */
import { distance } from "fastest-levenshtein";

/** The closest candidate to `input`, or undefined when none is plausibly what was meant. */
export function closestName(input: string, candidates: Iterable<string>): string | undefined {
  const needle = input.toLowerCase();
  let best: { name: string; d: number } | undefined;
  for (const c of candidates) {
    const d = distance(needle, c.toLowerCase());
    if (best === undefined || d < best.d) best = { name: c, d };
  }
  if (!best) return undefined;
  // A typo changes a few characters: at most 2, or a third of a longer name.
  return best.d <= Math.max(2, Math.floor(needle.length / 3)) ? best.name : undefined;
}

/** ` Did you mean "x"?` (leading space), or "" without a plausible candidate. */
export function didYouMean(input: string, candidates: Iterable<string>, quote = (s: string) => `"${s}"`): string {
  const name = closestName(input, candidates);
  return name === undefined ? "" : ` Did you mean ${quote(name)}?`;
}
