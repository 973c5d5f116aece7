/**
 * The fast start of doctor (issue #5): `kubectl failover doctor --bundle DIR` and the other plain
 * command lines run without loading oclif, which alone costs more than starting Node. bin/run.cjs
 * asks doctorFlags() first; anything it does not recognise with certainty (help, an unknown or
 * repeated flag, a value oclif would refuse or read differently, oclif's debug or config
 * variables, a package or manifest that is not the usual one) is left to oclif, which then runs
 * as before. The flags come from oclif.manifest.json (written by `oclif manifest` from the
 * command's own definitions), the run is cli/doctor-run.ts as under oclif, and errors end the
 * same way (cli/failure.ts): same output, same exit codes.
 *
 * Bundled on its own (dist/bundle/fast.cjs, scripts/build-bundle.mjs) with no oclif in it.
 */
import {existsSync, readFileSync} from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type {DoctorFlags} from './doctor-run.js';
import {failureOf, writeFailure} from './failure.js';

/** A flag as oclif.manifest.json describes it. */
export interface ManifestFlag {
  readonly name: string;
  readonly type: string;
  readonly char?: string;
  readonly multiple?: boolean;
  readonly options?: readonly string[];
  readonly default?: unknown;
  readonly allowNo?: boolean;
  readonly hasDynamicHelp?: boolean;
  readonly [k: string]: unknown;
}

/** Manifest fields of a flag that do not change how it is parsed. */
const INERT_FLAG_FIELDS = new Set(['name', 'type', 'char', 'description', 'summary', 'multiple', 'options', 'default', 'allowNo', 'hasDynamicHelp', 'helpGroup', 'hidden']);
/** package.json `oclif` keys of this CLI: any other (hooks, plugins, help classes…) leaves the start to oclif. */
const KNOWN_OCLIF_CONFIG = new Set(['bin', 'dirname', 'commands', 'topicSeparator']);
/** Environment variables of this CLI that oclif does not read or that change nothing for doctor. */
const NEUTRAL_ENV = new Set(['KUBECTL_FAILOVER_CACHE_DIR', 'KUBECTL_FAILOVER_NO_FAST_START']);

/**
 * doctor's flags for `argv` (what follows `doctor`) exactly as oclif would parse them, or
 * undefined when the command line or the environment is one to leave to oclif.
 */
export function doctorFlags(argv: readonly string[], root: string, env: NodeJS.ProcessEnv = process.env): DoctorFlags | undefined {
  // oclif's debug output, its settings, and this CLI's oclif variables (…_DEBUG shows stacks).
  for (const k of Object.keys(env)) {
    if (k === 'DEBUG' || k.startsWith('OCLIF_') || (k.startsWith('KUBECTL_FAILOVER_') && !NEUTRAL_ENV.has(k))) return undefined;
  }
  try {
    process.cwd(); // oclif warns when the current directory is gone
  } catch {
    return undefined;
  }
  // oclif loads user plugins (and their hooks) listed in <data dir>/package.json.
  if (process.platform === 'win32') return undefined;
  const home = env.HOME || os.homedir() || os.tmpdir();
  if (existsSync(path.join(env.XDG_DATA_HOME || path.join(home, '.local', 'share'), 'kubectl-failover', 'package.json'))) return undefined;
  let pjson: {version?: unknown; oclif?: Record<string, unknown>};
  let manifest: {version?: unknown; commands?: Record<string, {flags?: Record<string, ManifestFlag>; args?: object; strict?: boolean}>};
  try {
    pjson = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
    manifest = JSON.parse(readFileSync(path.join(root, 'oclif.manifest.json'), 'utf8'));
  } catch {
    return undefined;
  }
  if (!pjson.oclif || Object.keys(pjson.oclif).some((k) => !KNOWN_OCLIF_CONFIG.has(k))) return undefined;
  // oclif warns when the manifest is not of this version.
  if (typeof manifest.version !== 'string' || manifest.version !== pjson.version) return undefined;
  const cmd = manifest.commands?.doctor;
  if (!cmd?.flags || cmd.strict !== true || (cmd.args && Object.keys(cmd.args).length > 0)) return undefined;
  return parseFlags(argv, cmd.flags) as DoctorFlags | undefined;
}

/**
 * oclif's reading of a command line, for the plain cases only: `--name value`, `--name=value`,
 * `-c value` and boolean `--name` / `-c`, each flag known, given once unless it is multiple, with a
 * value that does not start with `-` and is one of its options when it has some; no arguments, no
 * `--`. Defaults as declared. Anything else: undefined.
 */
export function parseFlags(argv: readonly string[], spec: Readonly<Record<string, ManifestFlag>>): Record<string, unknown> | undefined {
  const byName = new Map<string, ManifestFlag>();
  const byChar = new Map<string, ManifestFlag>();
  for (const [name, f] of Object.entries(spec)) {
    if (f.name !== name || (f.type !== 'option' && f.type !== 'boolean') || f.hasDynamicHelp || f.allowNo) return undefined;
    if (Object.entries(f).some(([k, v]) => v !== undefined && !INERT_FLAG_FIELDS.has(k))) return undefined;
    if (f.type === 'boolean' && (f.multiple || f.options || f.default !== undefined)) return undefined;
    byName.set(name, f);
    if (f.char !== undefined) {
      if (typeof f.char !== 'string' || !/^[a-zA-Z]$/.test(f.char) || byChar.has(f.char)) return undefined;
      byChar.set(f.char, f);
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    let flag: ManifestFlag | undefined;
    let value: string | undefined;
    if (/^--[a-z][a-z0-9-]*=/.test(a)) {
      const eq = a.indexOf('=');
      flag = byName.get(a.slice(2, eq));
      value = a.slice(eq + 1);
      if (!flag || flag.type !== 'option') return undefined;
    } else if (/^--[a-z][a-z0-9-]*$/.test(a)) {
      flag = byName.get(a.slice(2));
    } else if (/^-[a-zA-Z]$/.test(a)) {
      flag = byChar.get(a[1]!);
    } else {
      return undefined; // an argument, `--`, `-`, `-abc`, `-ojson`, `--no-x`…
    }
    if (!flag) return undefined;
    if (flag.type === 'boolean') {
      if (flag.name in out) return undefined;
      out[flag.name] = true;
      continue;
    }
    if (value === undefined) {
      value = argv[++i];
      if (value === undefined) return undefined;
    }
    if (value === '' || value.startsWith('-')) return undefined;
    if (flag.options && !flag.options.includes(value)) return undefined;
    if (flag.multiple) out[flag.name] = [...((out[flag.name] as string[] | undefined) ?? []), value];
    else if (flag.name in out) return undefined;
    else out[flag.name] = value;
  }
  for (const f of byName.values()) {
    if (!(f.name in out) && f.default !== undefined) {
      if (typeof f.default !== 'string' || f.multiple) return undefined;
      out[f.name] = f.default;
    }
  }
  return out;
}

/** Thrown by runDoctor's exit(): oclif's ExitError, without oclif. */
class Exit extends Error {
  constructor(readonly code: number) {
    super(`exit ${code}`);
  }
}

/**
 * doctor with parsed flags, ending as under oclif: the process exits with doctor's code, or after
 * one error line with 2 or 3 (BaseCommand.catch); a run that ends by itself leaves stdout flushed.
 */
export async function runDoctorFast(flags: DoctorFlags): Promise<void> {
  // As oclif's Command module does when it loads: a reader that stops early (`| head`) is not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err && err.code === 'EPIPE') return;
    throw err;
  });
  const {runDoctor} = await import('./doctor-run.js');
  try {
    await runDoctor(flags, (code) => {
      throw new Exit(code);
    });
  } catch (e) {
    if (e instanceof Exit) process.exit(e.code);
    const {message, exit} = failureOf(e as Error);
    writeFailure(message);
    process.exit(exit);
  }
  if (!process.stdout.write('')) await new Promise((resolve) => process.stdout.once('drain', resolve));
}
