/**
 * Runs the simulated Kubernetes API server (test/support/sim) in its own process for the
 * benchmark, serving a bundle's context folders as clusters. Prints one JSON line
 * {kubeconfig, contexts: [{name, server}]} when listening; exits when stdin closes or on SIGTERM.
 *
 *   node bench/lib/sim-host.mjs BUNDLE_DIR KUBECONFIG_DIR cluster1 cluster2
 */
import './ts-hooks.mjs';

const [bundleDir, kubeconfigDir, ...names] = process.argv.slice(2);
const {startSimCluster} = await import('../../test/support/sim/index.ts');
const t0 = performance.now();
const sim = await startSimCluster({contexts: names.map((name) => ({name, bundleDir: `${bundleDir}/${name}`}))});
const kubeconfig = await sim.writeKubeconfig(kubeconfigDir);
// The request log is for tests; the benchmark makes tens of thousands of requests: keep it small.
setInterval(() => sim.clearRequests(), 1000).unref();
process.stdout.write(JSON.stringify({kubeconfig, contexts: sim.contexts.map((c) => ({name: c.name, server: c.server})), startMs: Math.round(performance.now() - t0), rssMB: Math.round(process.memoryUsage().rss / 2 ** 20)}) + '\n');
const stop = async () => {
  await sim.close();
  process.exit(0);
};
process.on('SIGTERM', stop);
process.stdin.on('end', stop);
process.stdin.resume();
