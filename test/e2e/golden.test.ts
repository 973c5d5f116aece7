/**
 * Golden files of whole-command runs on the example bundle (no colour, fixed width, exit code
 * recorded): what a support engineer pastes into a ticket. Update deliberately with `vitest -u`.
 */
import path from 'node:path';
import {describe, expect, it} from 'vitest';
import {BIN, pluginSandbox, ROOT, run} from '../support/cli.js';

const sb = pluginSandbox();
const EXAMPLE = path.join(ROOT, 'examples/bundle');
const env = {...sb.env, COLUMNS: '100'};

const cases: {name: string; args: string[]}[] = [
  {name: 'doctor.table.txt', args: ['doctor', '--bundle', EXAMPLE]},
  {name: 'doctor.markdown.md', args: ['doctor', '--bundle', EXAMPLE, '-o', 'markdown']},
  {name: 'explain.table.txt', args: ['explain', 'helloworld', '-n', 'sample', '--bundle', EXAMPLE]},
  {name: 'explain.markdown.md', args: ['explain', 'helloworld', '-n', 'sample', '--bundle', EXAMPLE, '-o', 'markdown']},
  {name: 'checks.table.txt', args: ['checks']},
];

describe('golden output on examples/bundle', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await run(BIN, c.args, env);
      await expect(`$ kubectl failover ${c.args.join(' ').replace(ROOT + '/', '')}\n# exit ${r.code}\n${r.stdout}`).toMatchFileSnapshot(path.join(ROOT, 'test/golden', c.name));
      if (c.name.endsWith('.txt') && c.args[0] !== 'checks') {
        // Readable at 100 columns: prose is wrapped; only commands and table rows may run longer.
        const long = r.stdout.split('\n').filter((l) => l.length > 100 && !/^\s+\$ /.test(l) && !/^\S+\s{2,}\S/.test(l) && !/^(PRIO|\d)/.test(l) && !/^(Service|Proxy) /.test(l));
        expect(long).toEqual([]);
      }
    });
  }
});
