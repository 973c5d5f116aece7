import type {Explanation} from './types.js';

/** What changed between two reads, one line each: an endpoint ejected or back, health, the split moving. */
export function diffExplanations(a: Explanation, b: Explanation): string[] {
  const out: string[] = [];
  const before = new Map(a.endpoints.map((e) => [e.address, e]));
  const after = new Map(b.endpoints.map((e) => [e.address, e]));
  for (const [addr, e] of after) {
    const p = before.get(addr);
    if (!p) {
      out.push(`+ endpoint ${addr} appeared (priority ${e.priority}, ${e.health})`);
      continue;
    }
    if (p.outlier !== e.outlier) out.push(e.outlier === 'ejected' ? `✗ endpoint ${addr} EJECTED by outlier detection` : `✓ endpoint ${addr} back from ejection`);
    if (p.health !== e.health) out.push(`~ endpoint ${addr} health ${p.health} → ${e.health}`);
    if (p.priority !== e.priority) out.push(`~ endpoint ${addr} priority ${p.priority} → ${e.priority}`);
  }
  for (const addr of before.keys()) if (!after.has(addr)) out.push(`- endpoint ${addr} removed`);
  const split = (x: Explanation): string => x.priorities.map((p) => `P${p.priority} ${p.loadPercent}%`).join(', ');
  if (split(a) !== split(b)) out.push(`→ split ${split(a)}  ⇒  ${split(b)}`);
  return out;
}
