/**
 * The whole CLI as one module: scripts/build-bundle.mjs bundles it (with @oclif/core and the other
 * dependencies a command needs at once) into dist/bundle/cli.cjs, which bin/run.cjs loads through
 * dist/bundle/load.cjs (issue #5, startup). oclif finds the commands here (package.json
 * `oclif.commands`: strategy `explicit`, identifier `COMMANDS`). What a command loads only when
 * used (the Kubernetes client, ora, tar, ws) stays in node_modules.
 */
import {settings} from '@oclif/core';
import Checks from './commands/checks.js';
import Collect from './commands/collect.js';
import Doctor from './commands/doctor.js';
import Explain from './commands/explain.js';

// oclif maps compiled paths back to TypeScript sources when NODE_ENV is development or test (and
// loads the typescript package to do so): the bundle has no sources to map to.
settings.enableAutoTranspile = false;

export const COMMANDS = {checks: Checks, collect: Collect, doctor: Doctor, explain: Explain};

export {execute} from '@oclif/core';
// oclif's own run and errors, for running the commands in process as bin/run.cjs loads them (tests).
export {Errors, run} from '@oclif/core';
