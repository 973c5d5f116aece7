#!/usr/bin/env node
// `node bin/run.js …` still works; the entry point is bin/run.cjs (bin/kubectl-failover runs it:
// a CommonJS main starts a few milliseconds sooner than an ES module one, issue #5).
import './run.cjs';
