import {Flags} from '@oclif/core';
import Table from 'cli-table3';
import {stringify} from 'yaml';
import {BaseCommand} from '../cli/base.js';
import {CHECKS} from '../checks/index.js';
import {docsPath} from '../checks/types.js';

export default class Checks extends BaseCommand {
  static override summary = 'List the check catalogue: code, severity, title, docs';
  static override flags = {
    output: Flags.string({char: 'o', description: 'output format', options: ['table', 'json', 'yaml', 'markdown'], default: 'table'}),
  };

  async run(): Promise<void> {
    const {flags} = await this.parse(Checks);
    const rows = CHECKS.map((c) => ({code: c.meta.code, name: c.meta.name, severity: c.meta.severity, ...(c.meta.severityNote ? {severityNote: c.meta.severityNote} : {}), title: c.meta.title, live: !!c.meta.live, docs: docsPath(c.meta.code)}));
    switch (flags.output) {
      case 'json':
        process.stdout.write(JSON.stringify({checks: rows}, null, 2) + '\n');
        return;
      case 'yaml':
        process.stdout.write(stringify({checks: rows}));
        return;
      case 'markdown':
        process.stdout.write(['| code | check | severity | title |', '| --- | --- | --- | --- |', ...rows.map((r) => `| [${r.code}](${r.docs}) | ${r.name} | ${r.severity} | ${r.title} |`)].join('\n') + '\n');
        return;
      default: {
        const width = Math.max(80, Math.min(process.stdout.columns || 100, 160));
        const table = new Table({head: ['CODE', 'CHECK', 'SEVERITY', 'TITLE'], style: {head: [], border: []}, wordWrap: true, colWidths: [7, 34, 10, width - 59]});
        for (const r of rows) table.push([r.code, r.name, r.severity, r.title]);
        process.stdout.write(table.toString() + '\n');
      }
    }
  }
}
