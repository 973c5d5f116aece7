/** Memoise a value per object (a context, a snapshot): checks ask the same questions many times. */
export function cached<K extends object, V>(cache: WeakMap<K, V>, k: K, make: () => V): V {
  const hit = cache.get(k);
  if (hit !== undefined) return hit;
  const v = make();
  cache.set(k, v);
  return v;
}
