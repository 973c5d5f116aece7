/** Text helpers shared by the renderers. */

// C0/C1 control characters except tab and newline, DEL, ESC sequences (CSI, OSC, and the
// two-character ones), and the Unicode bidirectional controls that make text display in another
// order than it is (CVE-2021-42574, "Trojan Source").
// eslint-disable-next-line no-control-regex
const CONTROL = /\u001b\[[0-9;?]*[ -/]*[@-~]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|\u001b[ -~]?|[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

/** Strings from a cluster or a dump may carry terminal escapes: never print them raw. */
export function sanitize(s: string): string {
  return s.replace(CONTROL, '\uFFFD');
}

/**
 * One line of untrusted text (an error message, a server's Status message): sanitized, newlines
 * and tabs folded into spaces, cut to `max` characters.
 */
export function oneLine(s: string, max = 500): string {
  const line = sanitize(String(s)).replace(/\s*[\n\t]\s*/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** How a line break inside one paragraph of untrusted text is shown (it never starts a line). */
export const NEWLINE_MARK = '\u2424';

/**
 * Word-wrap one paragraph to `width`, every line starting with `indent`. The text is sanitized,
 * and a newline in it (a cluster's string: a host, an annotation) is shown as ␤ rather than
 * starting a line: text from a cluster can never print a line of its own (a fake `$ kubectl …`
 * remediation, a fake "No failover problems found.").
 */
export function wrap(text: string, width: number, indent = ''): string {
  const out: string[] = [];
  let line = '';
  for (const word of sanitize(text).replace(/\r?\n/g, ` ${NEWLINE_MARK} `).split(/[ \t]+/)) {
    if (word === '') continue;
    if (line && (indent + line + ' ' + word).length > width) {
      out.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  out.push(indent + line);
  return out.join('\n');
}

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  green(s: string): string;
}

const id = (s: string): string => s;
export const PLAIN: Style = {bold: id, dim: id, red: id, yellow: id, blue: id, green: id};
const sgr = (a: number, b: number) => (s: string): string => `\u001b[${a}m${s}\u001b[${b}m`;
export const ANSI: Style = {bold: sgr(1, 22), dim: sgr(2, 22), red: sgr(31, 39), yellow: sgr(33, 39), blue: sgr(34, 39), green: sgr(32, 39)};

/** Colour only on a TTY, never with NO_COLOR set (https://no-color.org). */
export function styleFor(stream: {isTTY?: boolean}, env: NodeJS.ProcessEnv = process.env): Style {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  if (env.FORCE_COLOR && env.FORCE_COLOR !== '0') return ANSI;
  return stream.isTTY ? ANSI : PLAIN;
}
