// What each chunk is, by chunk id, in typed arrays: its file's slot, its place among the file's
// chunks, its line range and its heading path (an index into the file's own list). The file's
// metadata (paths, title, hash) is held once, in its FileEntry.

export class ChunkTable {
  /** The file's slot; -1 where no chunk has this id (removed, or never used). */
  slot = new Int32Array(1024).fill(-1);
  ordinal = new Uint32Array(1024);
  startLine = new Uint32Array(1024);
  endLine = new Uint32Array(1024);
  heading = new Uint32Array(1024);

  private ensure(id: number): void {
    if (id < this.slot.length) return;
    let n = this.slot.length;
    while (n <= id) n *= 2;
    const grow = <T extends Int32Array | Uint32Array>(a: T, make: (n: number) => T): T => {
      const b = make(n);
      b.set(a);
      return b;
    };
    const slot = new Int32Array(n).fill(-1);
    slot.set(this.slot);
    this.slot = slot;
    this.ordinal = grow(this.ordinal, (k) => new Uint32Array(k));
    this.startLine = grow(this.startLine, (k) => new Uint32Array(k));
    this.endLine = grow(this.endLine, (k) => new Uint32Array(k));
    this.heading = grow(this.heading, (k) => new Uint32Array(k));
  }

  set(id: number, slot: number, ordinal: number, startLine: number, endLine: number, heading: number): void {
    this.ensure(id);
    this.slot[id] = slot;
    this.ordinal[id] = ordinal;
    this.startLine[id] = startLine;
    this.endLine[id] = endLine;
    this.heading[id] = heading;
  }

  clear(id: number): void {
    if (id < this.slot.length) this.slot[id] = -1;
  }

  slotOf(id: number): number {
    return Number.isInteger(id) && id >= 0 && id < this.slot.length ? this.slot[id]! : -1;
  }
}
