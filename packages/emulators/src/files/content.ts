// Sparse file content: only written ranges hold bytes, so a 1 TiB file created empty costs nothing.

interface Segment {
  start: number;
  data: Buffer;
}

export interface ByteRange {
  start: number;
  /** Inclusive, as the service reports ranges. */
  end: number;
}

export class SparseContent {
  /** Non-overlapping, sorted by start. */
  private segments: Segment[] = [];

  /** Writes `data` at `offset`, replacing whatever was there. */
  write(offset: number, data: Buffer): void {
    if (data.length === 0) return;
    this.clear(offset, data.length);
    const index = this.firstSegmentEndingAfter(offset);
    this.segments.splice(index, 0, { start: offset, data: Buffer.from(data) });
  }

  /** Turns `[offset, offset + length)` back into a hole (reads as zeros). */
  clear(offset: number, length: number): void {
    const end = offset + length;
    const kept: Segment[] = [];
    let i = this.firstSegmentEndingAfter(offset);
    const head = this.segments.slice(0, i);
    for (; i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      const segmentEnd = segment.start + segment.data.length;
      if (segment.start >= end) break;
      if (segment.start < offset)
        kept.push({ start: segment.start, data: segment.data.subarray(0, offset - segment.start) });
      if (segmentEnd > end) kept.push({ start: end, data: segment.data.subarray(end - segment.start) });
    }
    this.segments = [...head, ...kept, ...this.segments.slice(i)];
  }

  /** Drops everything at or beyond `size` (a resize that shrinks the file). */
  truncate(size: number): void {
    this.clear(size, Number.MAX_SAFE_INTEGER - size);
  }

  read(offset: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    const end = offset + length;
    for (let i = this.firstSegmentEndingAfter(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (segment.start >= end) break;
      const from = Math.max(offset, segment.start);
      const to = Math.min(end, segment.start + segment.data.length);
      segment.data.copy(out, from - offset, from - segment.start, to - segment.start);
    }
    return out;
  }

  /** Written ranges intersecting `[offset, offset + length)`, adjacent ones merged. */
  ranges(offset = 0, length = Number.MAX_SAFE_INTEGER): ByteRange[] {
    const end = offset + length;
    const result: ByteRange[] = [];
    for (let i = this.firstSegmentEndingAfter(offset); i < this.segments.length; i++) {
      const segment = this.segments[i]!;
      if (segment.start >= end) break;
      const from = Math.max(offset, segment.start);
      const to = Math.min(end, segment.start + segment.data.length) - 1;
      const last = result[result.length - 1];
      if (last && last.end + 1 === from) last.end = to;
      else result.push({ start: from, end: to });
    }
    return result;
  }

  copy(): SparseContent {
    const clone = new SparseContent();
    clone.segments = this.segments.map((s) => ({ start: s.start, data: s.data }));
    return clone;
  }

  private firstSegmentEndingAfter(offset: number): number {
    let low = 0;
    let high = this.segments.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      const segment = this.segments[mid]!;
      if (segment.start + segment.data.length <= offset) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
