import { scoreAllItems } from './catalog';

describe('scoreAllItems', () => {
  it('equals the naive dot product for factor counts that are not multiples of 4', () => {
    for (const f of [1, 3, 4, 7, 64]) {
      const user = Float32Array.from({ length: f }, (_, i) => (i % 5) - 2);
      const items = Float32Array.from({ length: 3 * f }, (_, i) => ((i * 7) % 11) / 10);
      const bias = Float32Array.from([0.5, -1, 0]);
      const out = new Float32Array(3);
      scoreAllItems(user, items, f, bias, out);
      for (let i = 0; i < 3; i++) {
        let s = bias[i];
        for (let k = 0; k < f; k++) s += user[k] * items[i * f + k];
        expect(out[i]).toBeCloseTo(s, 5);
      }
    }
  });
});
