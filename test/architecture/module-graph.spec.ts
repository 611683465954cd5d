import * as path from 'node:path';

// scripts/module-graph.js is plain CommonJS so CI and a newcomer can run it without a build.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const graph = require('../../scripts/module-graph.js') as {
  analyse(root: string): {
    edges: Map<string, Set<string>>;
    cycles: string[][];
    internal: string[];
    layering: string[];
    unresolved: string[];
  };
  cyclesOf(edges: Map<string, Set<string>>): string[][];
};

const root = path.resolve(__dirname, '../..');

describe('module import graph of src/', () => {
  const result = graph.analyse(root);

  it('sees the imports between units, aliases included', () => {
    // A graph that resolved nothing would pass every check below.
    const edges = [...result.edges.values()].reduce((n, s) => n + s.size, 0);
    expect(edges).toBeGreaterThan(40);
    expect(result.edges.get('modules/serving')).toEqual(expect.any(Set));
    expect([...(result.edges.get('modules/serving') ?? [])]).toEqual(expect.arrayContaining(['lib/artifacts']));
    expect(result.unresolved).toEqual([]);
  });

  it('has no cycle between units', () => {
    expect(result.cycles).toEqual([]);
  });

  it('imports another unit only through its index.ts', () => {
    expect(result.internal).toEqual([]);
  });

  it('keeps the layers: libraries import no Nest module, framework or store; only bootstrap reaches the world', () => {
    expect(result.layering).toEqual([]);
  });

  it('finds a cycle when one is there', () => {
    const edges = new Map([
      ['modules/a', new Set(['modules/b'])],
      ['modules/b', new Set(['lib/x', 'modules/c'])],
      ['modules/c', new Set(['modules/a'])],
    ]);
    expect(graph.cyclesOf(edges)).toEqual([['modules/a', 'modules/b', 'modules/c']]);
    expect(graph.cyclesOf(new Map([['modules/a', new Set(['lib/x'])]]))).toEqual([]);
  });
});
