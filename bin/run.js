#!/usr/bin/env node
// Entry point. Refuse old runtimes with one line instead of a stack trace from a dependency.
const major = Number(process.versions.node.split('.')[0]);
if (major < 22) {
  process.stderr.write(`error: kubectl-failover needs Node.js 22 or newer (this is ${process.version})\n`);
  process.exit(2);
}
const {execute} = await import('@oclif/core');
await execute({dir: import.meta.url});
