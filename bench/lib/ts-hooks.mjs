/**
 * Lets the project's node import the TypeScript test support (the simulated cluster) directly:
 * `./x.js` imports resolve to `./x.ts` when only the .ts exists, and .ts files are transpiled with
 * the project's own TypeScript (transpileModule: no type check). Used by sim-host.mjs only.
 */
import {existsSync, readFileSync} from 'node:fs';
import {registerHooks} from 'node:module';
import {fileURLToPath} from 'node:url';
import ts from 'typescript';

const compilerOptions = {
  module: ts.ModuleKind.ESNext,
  target: ts.ScriptTarget.ES2022,
  useDefineForClassFields: true,
  sourceMap: false,
  inlineSourceMap: false,
};

registerHooks({
  resolve(specifier, context, next) {
    if (context.parentURL?.endsWith('.ts') && specifier.startsWith('.') && specifier.endsWith('.js')) {
      const url = new URL(specifier, context.parentURL);
      if (!existsSync(fileURLToPath(url))) {
        const tsUrl = new URL(specifier.replace(/\.js$/, '.ts'), context.parentURL);
        if (existsSync(fileURLToPath(tsUrl))) return {url: tsUrl.href, shortCircuit: true, format: 'module'};
      }
    }
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url.startsWith('file:') && url.endsWith('.ts')) {
      const source = readFileSync(fileURLToPath(url), 'utf8');
      const out = ts.transpileModule(source, {compilerOptions, fileName: fileURLToPath(url)});
      return {format: 'module', source: out.outputText, shortCircuit: true};
    }
    return next(url, context);
  },
});
