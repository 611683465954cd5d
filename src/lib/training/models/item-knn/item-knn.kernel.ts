/**
 * Item–item cosine similarity from co-watching with shrinkage
 * (Sarwar et al. 2001; shrinkage as in Koren 2008 / Bell & Koren 2007):
 *   sim(i, j) = Σ_u w_ui w_uj / (‖w_i‖ ‖w_j‖ + shrink)
 * computed sparsely: for item i, walk its users and their items, accumulating
 * co-occurrence in a dense scratch row, then keep the top-N neighbours with a
 * heap. Cost Σ_u n_u², never a dense items×items matrix.
 */
import { Csr } from '../../csr';

export interface ItemKnnKernelInit {
  readonly userItems: Csr;
  readonly itemUsers: Csr;
  /** ‖w_i‖ per item. */
  readonly itemNorms: Float32Array;
  readonly neighbours: number;
  readonly shrink: number;
}

export interface ItemKnnTask {
  readonly start: number;
  readonly end: number;
}

export interface ItemKnnResult {
  readonly start: number;
  readonly neighbours: Int32Array;
  readonly similarities: Float32Array;
}

export function createKernelHandler(init: ItemKnnKernelInit): (task: ItemKnnTask) => ItemKnnResult {
  const nI = init.itemUsers.rows;
  const acc = new Float64Array(nI);
  const touched = new Int32Array(nI);
  const heapItems = new Int32Array(init.neighbours);
  const heapScores = new Float64Array(init.neighbours);
  return ({ start, end }) => {
    const n = init.neighbours;
    const neighbours = new Int32Array((end - start) * n).fill(-1);
    const similarities = new Float32Array((end - start) * n);
    const { userItems: ui, itemUsers: iu, itemNorms, shrink } = init;
    for (let i = start; i < end; i++) {
      let nTouched = 0;
      for (let a = iu.indptr[i]; a < iu.indptr[i + 1]; a++) {
        const u = iu.indices[a];
        const wu = iu.values[a];
        for (let b = ui.indptr[u]; b < ui.indptr[u + 1]; b++) {
          const j = ui.indices[b];
          if (j === i) continue;
          if (acc[j] === 0) touched[nTouched++] = j;
          acc[j] += wu * ui.values[b];
        }
      }
      // Top-N by similarity with a min-heap (ties → lower index wins).
      let size = 0;
      const ni = itemNorms[i];
      for (let t = 0; t < nTouched; t++) {
        const j = touched[t];
        const sim = acc[j] / (ni * itemNorms[j] + shrink);
        acc[j] = 0;
        if (size < n) {
          let c = size++;
          while (c > 0) {
            const parent = (c - 1) >> 1;
            if (!below(sim, j, heapScores[parent], heapItems[parent])) break;
            heapScores[c] = heapScores[parent];
            heapItems[c] = heapItems[parent];
            c = parent;
          }
          heapScores[c] = sim;
          heapItems[c] = j;
        } else if (below(heapScores[0], heapItems[0], sim, j)) {
          let c = 0;
          for (;;) {
            const l = 2 * c + 1;
            if (l >= size) break;
            let m = l;
            if (l + 1 < size && below(heapScores[l + 1], heapItems[l + 1], heapScores[l], heapItems[l])) m = l + 1;
            if (!below(heapScores[m], heapItems[m], sim, j)) break;
            heapScores[c] = heapScores[m];
            heapItems[c] = heapItems[m];
            c = m;
          }
          heapScores[c] = sim;
          heapItems[c] = j;
        }
      }
      const order = Array.from({ length: size }, (_, x) => x).sort((x, y) =>
        below(heapScores[x], heapItems[x], heapScores[y], heapItems[y]) ? 1 : -1,
      );
      const base = (i - start) * n;
      for (let r = 0; r < size; r++) {
        neighbours[base + r] = heapItems[order[r]];
        similarities[base + r] = heapScores[order[r]];
      }
    }
    return { start, neighbours, similarities };
  };
}

function below(s1: number, i1: number, s2: number, i2: number): boolean {
  return s1 < s2 || (s1 === s2 && i1 > i2);
}
