// Writes docs/checks/*.md from the check metadata of the built CLI (npm run docs).
import {mkdirSync, readdirSync, rmSync, writeFileSync} from 'node:fs';
import {fileURLToPath} from 'node:url';
import path from 'node:path';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const {CHECKS} = await import(path.join(root, 'dist/checks/index.js'));
const {renderCheckDoc, renderCatalogue} = await import(path.join(root, 'dist/docs/checks.js'));
const dir = path.join(root, 'docs/checks');
mkdirSync(dir, {recursive: true});
for (const f of readdirSync(dir)) if (/^FO\d+\.md$/.test(f)) rmSync(path.join(dir, f));
for (const c of CHECKS) writeFileSync(path.join(dir, `${c.meta.code}.md`), renderCheckDoc(c.meta));
writeFileSync(path.join(dir, 'README.md'), renderCatalogue(CHECKS));
console.log(`wrote ${CHECKS.length} check pages to docs/checks/`);
