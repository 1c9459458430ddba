// Linear scans over text for the tokenizer and the chunker: the white space `\s` means, and finders
// for the next occurrence of a string or a kind of character, for scans that only move forward.

/** Whether a UTF-16 code unit is white space as `\s` in a regular expression (and `trim()`) means it. */
export function isRegexSpace(c: number): boolean {
  return (
    (c >= 9 && c <= 13) ||
    c === 32 ||
    c === 0xa0 ||
    c === 0x1680 ||
    (c >= 0x2000 && c <= 0x200a) ||
    c === 0x2028 ||
    c === 0x2029 ||
    c === 0x202f ||
    c === 0x205f ||
    c === 0x3000 ||
    c === 0xfeff
  );
}

/**
 * The next position at or after `from` where `needle` occurs (-1 if none), for a scan whose `from` only
 * grows: each part of the text is searched once, so a whole scan stays linear however often it asks.
 */
export function forwardFinder(text: string, needle: string): (from: number) => number {
  // The last search: from `searchedFrom`, it found `found` (-1: nothing up to the end).
  let searchedFrom = Infinity;
  let found = -1;
  return (from) => {
    if (from < searchedFrom || (found >= 0 && from > found)) {
      found = text.indexOf(needle, from);
      searchedFrom = from;
    }
    return found;
  };
}

/** Like forwardFinder, for the next code unit that passes a test (text.length if none). */
export function forwardScanner(text: string, test: (c: number) => boolean): (from: number) => number {
  let searchedFrom = Infinity;
  let found = text.length;
  return (from) => {
    if (from < searchedFrom || from > found) {
      let i = from;
      while (i < text.length && !test(text.charCodeAt(i))) i++;
      found = i;
      searchedFrom = from;
    }
    return found;
  };
}
