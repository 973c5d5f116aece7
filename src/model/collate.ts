/**
 * `a.localeCompare(b)` — the order of every sorted list the tool prints — without ICU when it can
 * (issue #5, startup): the first localeCompare or Intl.Collator of a process costs ~11 ms, a
 * quarter of starting Node. Under the root collation (the `en` and `und` default locales) strings
 * of printable ASCII compare by a fixed table: first by the primary weights below (punctuation and
 * symbols, then digits, then letters, case ignored), a shorter string first when one is a prefix
 * of the other, then by case at the first difference (lower case first). Anything else — another
 * default locale, a character outside U+0020–U+007E — goes to localeCompare as before.
 * test/model/collate.test.ts checks the table against ICU itself.
 */

/** Printable ASCII in root collation order (each upper-case letter sorts with its lower case at the primary level). */
export const ROOT_ASCII_ORDER = ' _-,;:!?.\'"()[]{}@*/\\&#%`^+<=>|~$0123456789abcdefghijklmnopqrstuvwxyz';

const PRIMARY = new Uint8Array(128);
for (let i = 0; i < ROOT_ASCII_ORDER.length; i++) {
  const c = ROOT_ASCII_ORDER.charCodeAt(i);
  PRIMARY[c] = i + 1;
  if (c >= 97 && c <= 122) PRIMARY[c - 32] = i + 1;
}

let root: boolean | undefined;

/**
 * Whether localeCompare uses the root collation: the default locale is `en…` or `und`. Read from
 * Intl.PluralRules, which resolves the same default locale as Intl.Collator at a fraction of the cost.
 */
export function rootCollation(): boolean {
  if (root === undefined) {
    try {
      root = /^(en|und)(-|$)/i.test(new Intl.PluralRules().resolvedOptions().locale);
    } catch {
      root = false;
    }
  }
  return root;
}

function printableAscii(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 32 || c > 126) return false;
  }
  return true;
}

/** The root collation's order of two printable-ASCII strings (-1, 0, 1); undefined for anything else. */
export function compareRootAscii(a: string, b: string): number | undefined {
  if (!printableAscii(a) || !printableAscii(b)) return undefined;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const pa = PRIMARY[a.charCodeAt(i)]!;
    const pb = PRIMARY[b.charCodeAt(i)]!;
    if (pa !== pb) return pa < pb ? -1 : 1;
  }
  if (a.length !== b.length) return a.length < b.length ? -1 : 1;
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca !== cb) return ca > cb ? -1 : 1; // same letter, other case: lower case (the higher code) first
  }
  return 0;
}

/** Same sign as a.localeCompare(b). */
export function compareText(a: string, b: string): number {
  if (a === b) return 0;
  if (rootCollation()) {
    const r = compareRootAscii(a, b);
    if (r !== undefined) return r;
  }
  return a.localeCompare(b);
}
