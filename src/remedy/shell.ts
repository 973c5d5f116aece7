/**
 * POSIX shell quoting. Every argument of a printed command goes through `quote`, so that a
 * name or label value taken from a cluster cannot change what a copy-pasted command does.
 *
 * - Only safe characters: as is (`sample`, `app=helloworld`).
 * - Anything else printable: single quotes, a `'` written as `'\''` (no character is special
 *   inside single quotes, so `$(…)`, backquotes, `;`, globs and spaces stay literal).
 * - Control characters (newline, ESC…) or Unicode bidirectional controls: ANSI-C quoting `$'…'`
 *   (bash, zsh, ksh, busybox sh, POSIX.1-2024) with every such character, `\` and `'` written as an
 *   escape, so the printed command is one line of plain ASCII-safe text that cannot redraw the
 *   terminal, hide part of itself, or be cut into two commands by a paste. Even a shell without
 *   `$'…'` (an older dash) reads it as `$` followed by one single-quoted word: never as code.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;
// eslint-disable-next-line no-control-regex
const NEEDS_ESCAPES = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;

function ansiC(arg: string): string {
  let out = "$'";
  for (const ch of arg) {
    if (ch === '\\') out += '\\\\';
    else if (ch === "'") out += '\\x27';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (NEEDS_ESCAPES.test(ch)) {
      // As UTF-8 bytes: \xHH is read the same way by bash, zsh, ksh and busybox.
      for (const b of Buffer.from(ch, 'utf8')) out += `\\x${b.toString(16).padStart(2, '0')}`;
    } else out += ch;
  }
  return `${out}'`;
}

export function quote(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  if (NEEDS_ESCAPES.test(arg)) return ansiC(arg);
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function command(args: readonly string[]): string {
  return args.map(quote).join(' ');
}
