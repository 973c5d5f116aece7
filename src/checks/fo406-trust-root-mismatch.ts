import type {ContextSnapshot} from '../model/snapshot.js';
import type {Finding} from '../model/types.js';
import {kubectl} from '../remedy/kubectl.js';
import {command} from '../remedy/shell.js';
import {istiodDeployments, rootCertBlocks, rootCertSet, type RootCertSet} from './lib/multicluster.js';
import {defineCheck, finding, type CheckMeta} from './types.js';

const meta: CheckMeta = {
  code: 'FO406',
  name: 'trust-root-mismatch',
  severity: 'error',
  title: 'Clusters do not share a trust root',
  why:
    'Cross-cluster traffic is mutual TLS between workloads of different clusters (through east-west gateways, which pass it through): ' +
    'each side validates the other\'s certificate against the roots in istio-ca-root-cert. When two clusters\' root sets share no ' +
    'certificate, every cross-cluster connection fails the handshake, so failover to the other cluster turns an outage into errors.',
  remediation:
    'Plug in intermediate CAs signed by one shared root (Secret cacerts in the Istio namespace of every cluster), restart istiod, then the workloads.',
  requires: ['ConfigMap'],
  references: [
    'https://istio.io/latest/docs/tasks/security/cert-management/plugin-ca-cert/',
    'https://istio.io/latest/docs/setup/install/multicluster/before-you-begin/#configure-trust',
    'TSB docs "Multi-cluster traffic failover with EastWest Gateways" (shared trust root)',
  ],
  examples: {
    bad: `# cluster1 and cluster2 each run istiod's self-signed CA: different root-cert.pem`,
    good: `# cacerts in both clusters from one root: root-cert.pem identical`,
  },
};

export const fo406 = defineCheck(meta, (snapshot) => {
  const out: Finding[] = [];
  // The same PEM text is the same certificate (the same id, whether it parses or not): when every
  // two contexts have a block in common, each shares a root with each, and nothing needs parsing.
  const texts = snapshot.contexts.map((ctx) => rootCertBlocks(ctx)?.blocks).filter((b) => b !== undefined);
  if (texts.length < 2 || texts.every((a, i) => texts.every((b, j) => i === j || a.some((block) => b.includes(block))))) return out;
  const sets: {ctx: ContextSnapshot; set: RootCertSet}[] = [];
  for (const ctx of snapshot.contexts) {
    const set = rootCertSet(ctx);
    if (set) sets.push({ctx, set}); // a context without the ConfigMap cannot be compared
  }
  if (sets.length < 2) return out;
  // Trust is pairwise, not transitive: a cluster trusting roots A and B (a rotation) does not make
  // A-only and B-only clusters trust each other. The mismatch is symmetric, so every context that
  // shares no root with some other context is reported, naming those peers.
  sets.forEach((b, i) => {
    const others = sets.filter((a, j) => j !== i && ![...a.set.ids].some((id) => b.set.ids.has(id)));
    if (others.length) out.push(report(b, others));
  });
  return out;
});

function report(b: {ctx: ContextSnapshot; set: RootCertSet}, others: {ctx: ContextSnapshot; set: RootCertSet}[]): Finding {
  const ctx = b.ctx;
  const ns = ctx.istioNamespace;
  const peers = others.map((o) => o.ctx.name);
  const dir = command([ctx.name]);
  const commands = [
    `make -f "\${ISTIO_HOME:?set ISTIO_HOME to an Istio release directory}"/tools/certs/Makefile.selfsigned.mk ${command([`${ctx.name}-cacerts`])}`,
    `${kubectl(ctx.name, ns, 'create', 'secret', 'generic', 'cacerts', `--from-file=${dir}/ca-cert.pem`, `--from-file=${dir}/ca-key.pem`, `--from-file=${dir}/root-cert.pem`, `--from-file=${dir}/cert-chain.pem`)}`,
    ...istiodDeployments(ctx).map((d) => kubectl(ctx.name, ns, 'rollout', 'restart', `deployment/${d.metadata.name}`)),
  ];
  const unparsable = b.set.unparsable + others.reduce((n, o) => n + o.set.unparsable, 0);
  return finding(meta, {
    context: ctx,
    object: b.set.configMap,
    message:
      `The root certificates of ${ctx.name} share none with ${peers.join(', ')}: ${ctx.name} trusts ${b.set.labels.join('; ')}; ` +
      others.map((o) => `${o.ctx.name} trusts ${o.set.labels.join('; ')}`).join('; ') +
      `. mTLS between these clusters fails, so cross-cluster failover fails too.` +
      (unparsable ? ` (${unparsable} PEM block(s) did not parse and were compared as text.)` : ''),
    remediation: {
      summary:
        `Use one root for all clusters: in the directory that holds the shared root (root-cert.pem and root-key.pem of ${peers[0]}'s CA), ` +
        `generate an intermediate for ${ctx.name}, install it as Secret cacerts in ${ns}, restart istiod, then restart the workloads so they get new certificates. ` +
        `If ${ctx.name}'s root is the one to keep, do this in ${peers.join(', ')} instead.`,
      commands,
    },
    details: {
      context: ctx.name,
      peers,
      fingerprints: [...b.set.ids].filter((i) => !i.startsWith('text:')),
      peerFingerprints: Object.fromEntries(others.map((o) => [o.ctx.name, [...o.set.ids].filter((i) => !i.startsWith('text:'))])),
      unparsable,
    },
  });
}
