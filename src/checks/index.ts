import type {Check} from './types.js';
// The explicit registry: one import per check, kept sorted by code.
// Each group of checks below is owned by one author; add lines only inside your group.
// --- FO1xx (DestinationRule policy) ---
// --- end FO1xx ---
// --- FO2xx/FO3xx (topology, ambient) ---
// --- end FO2xx/FO3xx ---
// --- FO4xx (multicluster) ---
// --- end FO4xx ---
// --- FO5xx (ServiceEntry, WorkloadEntry, TLS) ---
// --- end FO5xx ---

export const CHECKS: readonly Check[] = Object.freeze(
  [
    // --- FO1xx list ---
    // --- end FO1xx list ---
    // --- FO2xx/FO3xx list ---
    // --- end FO2xx/FO3xx list ---
    // --- FO4xx list ---
    // --- end FO4xx list ---
    // --- FO5xx list ---
    // --- end FO5xx list ---
  ].sort((a: Check, b: Check) => a.meta.code.localeCompare(b.meta.code)),
);

export function checkByCode(code: string): Check | undefined {
  return CHECKS.find((c) => c.meta.code === code.toUpperCase());
}
