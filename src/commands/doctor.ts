import {Flags} from '@oclif/core';
import {BaseCommand} from '../cli/base.js';
import {commonFlags} from '../cli/flags.js';
import {runDoctor} from '../cli/doctor-run.js';

export default class Doctor extends BaseCommand {
  static override summary = 'Find why Istio locality failover will not happen, or why traffic crosses zones';
  static override description = `Reads one or more clusters (or a bundle), runs every check of the catalogue and prints each problem
with why it matters and an exact remediation. Exit code: 0 nothing at or above --fail-on, 1 findings at
or above it, 2 usage or input error, 3 a cluster could not be read. Never writes to a cluster.`;
  static override examples = [
    '<%= config.bin %> doctor --context cluster1 --context cluster2',
    '<%= config.bin %> doctor --bundle ./bundle -o json',
    '<%= config.bin %> doctor -n sample --fail-on warning',
  ];

  static override flags = {
    ...commonFlags,
    'fail-on': Flags.string({description: 'exit 1 when a finding is at or above this severity', options: ['none', 'info', 'warning', 'error'], default: 'error'}),
    'client-namespace': Flags.string({description: 'namespace whose pods are clients of the services checked (repeatable)', multiple: true}),
    from: Flags.string({description: 'a client pod (POD with -n, NAMESPACE/POD or CONTEXT/NAMESPACE/POD): a client of every service, and its Envoy admin is read for the live checks (repeatable)', multiple: true}),
    check: Flags.string({description: 'run only these checks (code, repeatable)', multiple: true}),
    ignore: Flags.string({description: 'suppress a known, accepted finding: CODE or CODE:NAMESPACE/NAME (globs allowed; repeatable)', multiple: true}),
    config: Flags.string({description: 'a suppression file (YAML: ignore: [{code, object, context, reason}])'}),
    fix: Flags.boolean({description: 'print the remediation of every finding that has a patch as one reviewable script (-o yaml: as YAML patches)'}),
    apply: Flags.boolean({description: 'apply the patches (after a diff, a confirmation and a server-side dry run); the only way this tool writes'}),
    yes: Flags.boolean({char: 'y', description: 'with --apply: do not ask for confirmation (required without a terminal)'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Doctor);
    await runDoctor(flags, (code) => this.exit(code));
  }
}
