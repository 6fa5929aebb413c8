// A canvas to draw a 1-D multimodal dataset on: drag to lay down (x, y) points.

/** The region of the plane the pad shows. */
export const PAD_BOX = { x: [-1.5, 1.5], y: [-1.5, 1.5] } as const;

/** A drawing pad: the points drawn so far, in data coordinates. */
export class DrawingPad {
  readonly points: number[][] = [];
  private readonly context: CanvasRenderingContext2D;
  private last: [number, number] | undefined;

  constructor(
    readonly canvas: HTMLCanvasElement,
    private readonly onChange: (count: number) => void,
  ) {
    this.context = canvas.getContext('2d') as CanvasRenderingContext2D;
    canvas.addEventListener('pointerdown', (e) => {
      canvas.setPointerCapture(e.pointerId);
      this.last = undefined;
      this.add(e);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (e.buttons !== 0) this.add(e);
    });
    this.redraw();
  }

  /** Removes every point. */
  clear(): void {
    this.points.length = 0;
    this.redraw();
    this.onChange(0);
  }

  private add(e: PointerEvent): void {
    const r = this.canvas.getBoundingClientRect();
    const px = ((e.clientX - r.left) / r.width) * this.canvas.width;
    const py = ((e.clientY - r.top) / r.height) * this.canvas.height;
    // Points at least 3 px apart, so a slow drag does not pile them up.
    if (this.last && Math.hypot(px - this.last[0], py - this.last[1]) < 3) return;
    this.last = [px, py];
    const [x0, x1] = PAD_BOX.x;
    const [y0, y1] = PAD_BOX.y;
    this.points.push([x0 + ((x1 - x0) * px) / this.canvas.width, y1 - ((y1 - y0) * py) / this.canvas.height]);
    this.dot(px, py);
    this.onChange(this.points.length);
  }

  private dot(px: number, py: number): void {
    this.context.fillStyle = '#1f77b4';
    this.context.beginPath();
    this.context.arc(px, py, 2.5, 0, 2 * Math.PI);
    this.context.fill();
  }

  private redraw(): void {
    const { width, height } = this.canvas;
    const c = this.context;
    c.clearRect(0, 0, width, height);
    c.strokeStyle = '#dde';
    c.beginPath();
    c.moveTo(width / 2, 0);
    c.lineTo(width / 2, height);
    c.moveTo(0, height / 2);
    c.lineTo(width, height / 2);
    c.stroke();
    const [x0, x1] = PAD_BOX.x;
    const [y0, y1] = PAD_BOX.y;
    for (const [x, y] of this.points)
      this.dot((((x as number) - x0) / (x1 - x0)) * width, ((y1 - (y as number)) / (y1 - y0)) * height);
  }
}
