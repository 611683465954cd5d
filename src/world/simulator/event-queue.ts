/**
 * Binary min-heap of (time, slot) over typed arrays. Ties break on insertion
 * order, so the simulation is deterministic whatever the heap's shape.
 */
export class EventQueue {
  private times = new Float64Array(1024);
  private seqs = new Float64Array(1024);
  private slots = new Int32Array(1024);
  private count = 0;
  private seq = 0;

  get size(): number {
    return this.count;
  }

  peekTime(): number {
    return this.count === 0 ? Infinity : this.times[0];
  }

  push(time: number, slot: number): void {
    if (this.count === this.times.length) this.grow();
    let i = this.count++;
    const seq = this.seq++;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (this.times[p] < time || (this.times[p] === time && this.seqs[p] < seq)) break;
      this.times[i] = this.times[p];
      this.seqs[i] = this.seqs[p];
      this.slots[i] = this.slots[p];
      i = p;
    }
    this.times[i] = time;
    this.seqs[i] = seq;
    this.slots[i] = slot;
  }

  /** Removes the earliest entry and returns its slot (call peekTime first for its time). */
  pop(): number {
    const top = this.slots[0];
    const n = --this.count;
    if (n > 0) {
      const time = this.times[n];
      const seq = this.seqs[n];
      const slot = this.slots[n];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        let c = l;
        if (
          r < n &&
          (this.times[r] < this.times[l] || (this.times[r] === this.times[l] && this.seqs[r] < this.seqs[l]))
        )
          c = r;
        if (time < this.times[c] || (time === this.times[c] && seq < this.seqs[c])) break;
        this.times[i] = this.times[c];
        this.seqs[i] = this.seqs[c];
        this.slots[i] = this.slots[c];
        i = c;
      }
      this.times[i] = time;
      this.seqs[i] = seq;
      this.slots[i] = slot;
    }
    return top;
  }

  private grow(): void {
    const n = this.times.length * 2;
    const t = new Float64Array(n);
    const s = new Float64Array(n);
    const k = new Int32Array(n);
    t.set(this.times);
    s.set(this.seqs);
    k.set(this.slots);
    this.times = t;
    this.seqs = s;
    this.slots = k;
  }
}
