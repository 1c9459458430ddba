// Strings the index keeps for as long as it lives (titles, heading paths, defined names) made into
// strings of their own. V8 keeps a substring of 13 characters or more as a slice of the string it
// was cut from: a heading cut from a line of a file keeps the whole file's text alive, and at 30x
// the sample docs those slices held 150 MB of file texts (docs/retrieval.md, "Build memory").

/**
 * A string equal to `s` that refers to no other string. (Concatenating and slicing again flattens
 * into a new string one character longer; the slice then refers to that copy, not to `s`'s parent.)
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : (" " + s).slice(1);
}

/** Owned copies of strings and heading paths, each made once: equal values share one copy. */
export class StringOwner {
  private readonly strings = new Map<string, string>();
  private readonly paths = new Map<string, string[]>();

  string(s: string): string {
    let owned = this.strings.get(s);
    if (owned === undefined) this.strings.set(s, (owned = ownString(s)));
    return owned;
  }

  /** A heading path of owned strings; equal paths give the same array (never to be changed in place). */
  path(headingPath: readonly string[]): string[] {
    const key = headingPath.join("\u0000");
    let owned = this.paths.get(key);
    if (owned === undefined) this.paths.set(key, (owned = headingPath.map((h) => this.string(h))));
    return owned;
  }
}
