import {createInterface} from 'node:readline/promises';
import type {PlannedPatch} from '../remedy/plan.js';
import {applyPatch, yamlDiff} from '../remedy/plan.js';
import {patchCommand} from '../remedy/kubectl.js';
import {UserError} from '../sources/errors.js';
import {sanitize} from '../render/text.js';

function stripVolatile(o: unknown): unknown {
  if (!o || typeof o !== 'object') return o;
  const {metadata, status: _s, ...rest} = o as {metadata?: Record<string, unknown>; status?: unknown};
  if (!metadata) return rest;
  const {managedFields: _m, resourceVersion: _r, generation: _g, uid: _u, creationTimestamp: _c, ...meta} = metadata;
  return {...rest, metadata: meta};
}

/**
 * doctor --apply: for each context, fetch each flagged object, show the diff of its patch, ask once
 * (refused without a terminal unless --yes), run a server-side dry run of every patch, then apply
 * them and report each result. A patch that changes nothing is reported as already applied.
 */
export async function applyPlan(plan: readonly PlannedPatch[], opts: {kubeconfig?: string; requestTimeoutMs: number; yes?: boolean}): Promise<boolean> {
  const out = process.stdout;
  if (plan.length === 0) {
    out.write('Nothing to apply: no finding has a patch.\n');
    return true;
  }
  if (!opts.yes && !(process.stdin.isTTY && process.stdout.isTTY)) throw new UserError('--apply without a terminal needs --yes (review the changes first with --fix)');
  const {resolveContexts, transportFor} = await import('../sources/kube.js');
  const {getObject, patchObject} = await import('../sources/apply.js');
  const contexts = [...new Set(plan.map((p) => p.context))];
  const {kc} = await resolveContexts(opts.kubeconfig, contexts);
  const transports = new Map(await Promise.all(contexts.map(async (c) => [c, await transportFor(kc, c, opts.requestTimeoutMs)] as const)));
  const changes: {p: PlannedPatch; diff: string}[] = [];
  for (const p of plan) {
    const t = transports.get(p.context)!;
    const current = stripVolatile(await getObject(t, p.object));
    const after = stripVolatile(applyPatch(current, p.patch));
    const diff = yamlDiff(current, after);
    const label = `${p.object.kind} ${p.object.namespace ? `${p.object.namespace}/` : ''}${p.object.name} [${p.context}]`;
    if (!diff.trim()) {
      out.write(`= ${sanitize(label)}: already applied (${p.codes.join(', ')})\n`);
      continue;
    }
    out.write(`\n~ ${sanitize(label)} — fixes ${p.codes.join(', ')}\n  $ ${sanitize(patchCommand(p.context, p.object, p.patch))}\n${sanitize(diff).replace(/^/gm, '    ')}\n`);
    changes.push({p, diff});
  }
  if (changes.length === 0) {
    out.write('Nothing to apply: every patch is already in place.\n');
    return true;
  }
  if (!opts.yes) {
    const rl = createInterface({input: process.stdin, output: process.stderr});
    const answer = await rl.question(`\nApply ${changes.length} patch(es)? [y/N] `);
    rl.close();
    if (!/^y(es)?$/i.test(answer.trim())) {
      out.write('Not applied.\n');
      return false;
    }
  }
  // Server-side dry run of every patch first: nothing is written unless all of them validate.
  for (const {p} of changes) {
    try {
      await patchObject(transports.get(p.context)!, p.object, p.patch, true);
    } catch (e) {
      throw new UserError(`dry run refused for ${p.object.kind} ${p.object.namespace ?? ''}/${p.object.name} in ${p.context}: ${(e as Error).message} (nothing was applied)`, 3);
    }
  }
  let ok = true;
  for (const {p} of changes) {
    const label = `${p.object.kind} ${p.object.namespace ? `${p.object.namespace}/` : ''}${p.object.name} [${p.context}]`;
    try {
      await patchObject(transports.get(p.context)!, p.object, p.patch, false);
      out.write(`✔ patched ${sanitize(label)} (${p.codes.join(', ')})\n`);
    } catch (e) {
      ok = false;
      out.write(`✖ ${sanitize(label)}: ${sanitize((e as Error).message)}\n`);
    }
  }
  return ok;
}
