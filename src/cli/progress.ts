/** A one-line progress bar on stderr (\r-redrawn), for long CLI runs. */
export function progressBar(width = 30): {
  update(p: { simTime: number; fraction: number; lines: number }): void;
  done(): void;
} {
  const started = Date.now();
  let drawn = false;
  return {
    update(p) {
      const filled = Math.round(p.fraction * width);
      const seconds = (Date.now() - started) / 1000;
      const rate = seconds > 0 ? p.lines / seconds : 0;
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(p.fraction * 100).toFixed(1).padStart(5)}% ` +
          `${new Date(p.simTime).toISOString().slice(0, 16)} ${(p.lines / 1e6).toFixed(2)}M lines ` +
          `${(rate / 1000).toFixed(0)}k lines/s`,
      );
      drawn = true;
    },
    done() {
      if (drawn) process.stderr.write('\n');
    },
  };
}
