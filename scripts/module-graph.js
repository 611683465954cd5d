#!/usr/bin/env node
// The module-level import graph of src/, with the tsconfig path aliases resolved (the shared
// modgraph tool reads relative imports only, so it cannot see `@modules/…` or `@lib/…`).
// A unit is a folder under src/lib/ or src/modules/, or another top folder of src/ ((root) for
// files directly in src/). Reports import cycles between units, imports that reach past
// another unit's index.ts, and imports that break the layering (see LAYERS). Spec files are
// left out, as they are in the shared tool. `node scripts/module-graph.js [root]`: exit 1 on
// any finding; `--help` explains.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

/** Which kinds of unit may import which: libraries stay below Nest modules. */
const LAYERS = {
  lib: ['lib'],
  common: ['lib', 'common'],
  modules: ['lib', 'common', 'modules'],
  world: ['lib', 'world'],
  generated: ['generated'],
  types: [],
  cli: ['lib', 'common', 'modules', 'world', 'cli', '(root)'],
  '(root)': ['lib', 'common', 'modules', '(root)'],
};
/** Single units allowed past their layer: the Prisma client's one owner, and the bootstrap that drives the simulated world. */
const EXCEPTIONS = [
  ['modules/storage', 'generated'],
  ['modules/bootstrap', 'world'],
];
/** Packages a framework-free library must not import. */
const FRAMEWORK = /^(@nestjs\/|@prisma\/|kafkajs$|ioredis$|pg$|@electric-sql\/|prom-client$|casbin$)/;
const ALIASES = [
  [/^@lib\/(.*)$/, 'lib/$1'],
  [/^@modules\/(.*)$/, 'modules/$1'],
  [/^@common(\/.*)?$/, 'common$1'],
  [/^@world\/(.*)$/, 'world/$1'],
  [/^@app\/(.*)$/, '$1'],
  [/^@test\/(.*)$/, '../test/$1'],
];

function sourceFiles(src) {
  const files = [];
  (function walk(dir) {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) {
        if (e.name !== 'generated' && e.name !== 'node_modules') walk(p);
      } else if (/\.ts$/.test(e.name) && !/\.(spec|d)\.ts$/.test(e.name)) files.push(p);
    }
  })(src);
  return files;
}

function unitOf(src, file) {
  const r = path.relative(src, file).split(path.sep);
  if ((r[0] === 'lib' || r[0] === 'modules') && r.length > 2) return `${r[0]}/${r[1]}`;
  return r.length > 1 ? r[0] : '(root)';
}
const kindOf = (unit) => unit.split('/')[0];

function resolveFile(base) {
  for (const c of [`${base}.ts`, path.join(base, 'index.ts'), base]) {
    if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  }
  return null;
}

/** Every import of every non-spec file under src, resolved to a file where it is one of ours. */
function importsOf(src, file) {
  const text = fs.readFileSync(file, 'utf8');
  const out = [];
  for (const m of text.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\bimport\s+|\brequire\s*\(\s*)['"]([^'"]+)['"]/g)) {
    const spec = m[1];
    let target = null;
    if (spec.startsWith('.')) target = resolveFile(path.resolve(path.dirname(file), spec));
    else {
      const alias = ALIASES.find(([re]) => re.test(spec));
      if (alias) target = resolveFile(path.join(src, spec.replace(alias[0], alias[1])));
      else {
        out.push({ spec, package: true });
        continue;
      }
    }
    if (target) out.push({ spec, target });
    else out.push({ spec, unresolved: true });
  }
  return out;
}

function analyse(root) {
  const src = path.join(path.resolve(root), 'src');
  const edges = new Map();
  const internal = [];
  const layering = [];
  const unresolved = [];
  for (const file of sourceFiles(src)) {
    const from = unitOf(src, file);
    const where = path.relative(root, file);
    for (const imp of importsOf(src, file)) {
      if (imp.package) {
        if (kindOf(from) === 'lib' && FRAMEWORK.test(imp.spec))
          layering.push(`${where}: a library imports ${imp.spec}`);
        continue;
      }
      if (imp.unresolved) {
        unresolved.push(`${where}: ${imp.spec}`);
        continue;
      }
      const to = unitOf(src, imp.target);
      if (to === from) continue;
      if (!edges.has(from)) edges.set(from, new Set());
      edges.get(from).add(to);
      const allowed = LAYERS[kindOf(from)] ?? [];
      const excepted = EXCEPTIONS.some(([a, b]) => a === from && b === to);
      if (!allowed.includes(kindOf(to)) && !excepted)
        layering.push(`${where}: ${kindOf(from)} may not import ${to} (${imp.spec})`);
      const toDir = path.join(src, ...to.split('/'));
      const index = path.join(toDir, 'index.ts');
      if (fs.existsSync(index) && imp.target !== index) internal.push(`${where} -> ${path.relative(root, imp.target)}`);
    }
  }
  return { edges, cycles: cyclesOf(edges), internal, layering, unresolved };
}

/** Strongly connected components with more than one unit (Tarjan). */
function cyclesOf(edges) {
  let next = 0;
  const stack = [];
  const onStack = new Set();
  const index = new Map();
  const low = new Map();
  const cycles = [];
  const nodes = new Set([...edges.keys(), ...[...edges.values()].flatMap((s) => [...s])]);
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const component = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        component.push(w);
      } while (w !== v);
      if (component.length > 1) cycles.push(component.sort());
    }
  };
  for (const v of nodes) if (!index.has(v)) visit(v);
  return cycles;
}

module.exports = { analyse, cyclesOf, LAYERS, EXCEPTIONS };

if (require.main === module) {
  const args = process.argv.length > 2 ? require('./command').parseScript('check:modules').positionals : [];
  const root = path.resolve(args[0] ?? path.join(__dirname, '..'));
  const r = analyse(root);
  for (const c of r.cycles) console.log(`cycle: ${c.join(' <-> ')}`);
  for (const l of r.internal) console.log(`internal: ${l}`);
  for (const l of r.layering) console.log(`layering: ${l}`);
  for (const l of r.unresolved) console.log(`unresolved: ${l}`);
  const edgeCount = [...r.edges.values()].reduce((n, s) => n + s.size, 0);
  console.log(
    `units ${new Set([...r.edges.keys(), ...[...r.edges.values()].flatMap((s) => [...s])]).size}, edges ${edgeCount}, ` +
      `cycles ${r.cycles.length}, internal imports ${r.internal.length}, layering ${r.layering.length}, unresolved ${r.unresolved.length}`,
  );
  process.exit(r.cycles.length || r.internal.length || r.layering.length || r.unresolved.length ? 1 : 0);
}
