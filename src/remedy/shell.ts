/**
 * POSIX shell quoting. Every argument of a printed command goes through `quote`, so that a
 * name or label value taken from a cluster cannot change what a copy-pasted command does.
 */
const SAFE = /^[A-Za-z0-9_@%+=:,./-]+$/;

export function quote(arg: string): string {
  if (arg === '') return "''";
  if (SAFE.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function command(args: readonly string[]): string {
  return args.map(quote).join(' ');
}
