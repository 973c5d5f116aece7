#!/usr/bin/env node
// `node bin/run.js …`: the entry point is bin/run.cjs (bin/kubectl-failover runs it; a CommonJS
// main starts ~5 ms sooner than an ES module one, issue #5). Awaited here, so a run that never
// settles ends with Node's own exit code 13 as it always did.
import {createRequire} from 'node:module';

await createRequire(import.meta.url)('./run.cjs').done;
