import {UserError} from '../sources/errors.js';

/** kubectl's --request-timeout: a duration (500ms, 10s, 1m, 1h) or bare seconds; 0 means no limit. */
export function parseDuration(s: string, flag = '--request-timeout'): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(s.trim());
  if (!m) throw new UserError(`${flag}: invalid duration "${s}" (use e.g. 10s, 1m, 500ms)`);
  const n = Number(m[1]);
  const unit = m[2] ?? 's';
  const ms = unit === 'ms' ? n : unit === 's' ? n * 1000 : unit === 'm' ? n * 60_000 : n * 3_600_000;
  return ms === 0 ? 2_147_483_647 : ms;
}
