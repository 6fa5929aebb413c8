/** A one-line progress bar on a TTY (redrawn in place); plain periodic lines otherwise. */
export class ProgressBar {
  private lastPlain = -1;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {}

  update(done: number, detail = ''): void {
    const fraction = Math.min(1, done / this.total);
    if (this.stream.isTTY) {
      const width = 30;
      const filled = Math.round(fraction * width);
      const bar = `${'█'.repeat(filled)}${'░'.repeat(width - filled)}`;
      this.stream.write(
        `\r${this.label} ${bar} ${String(Math.round(fraction * 100)).padStart(3)}% ${detail}  `,
      );
      if (done >= this.total) this.stream.write('\n');
      return;
    }
    const decile = Math.floor(fraction * 10);
    if (decile > this.lastPlain) {
      this.lastPlain = decile;
      this.stream.write(`${this.label} ${String(decile * 10).padStart(3)}% ${detail}\n`);
    }
  }
}
