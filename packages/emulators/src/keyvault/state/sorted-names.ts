/**
 * Lower-cased object names kept in order, so a page of a listing is a binary search plus a
 * slice (O(log n + page)), and continuation tokens stay valid while items come and go.
 */
export class SortedNames {
  private readonly keys: string[] = [];

  /** An index of these keys (sorted, duplicates dropped) built in one go. */
  static of(keys: readonly string[]): SortedNames {
    const names = new SortedNames();
    const sorted = [...new Set(keys)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    names.keys.push(...sorted);
    return names;
  }

  get size(): number {
    return this.keys.length;
  }

  add(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] !== key) this.keys.splice(at, 0, key);
  }

  remove(key: string): void {
    const at = this.lowerBound(key);
    if (this.keys[at] === key) this.keys.splice(at, 1);
  }

  /** Up to `limit` keys strictly after `after` (from the start when undefined). */
  after(after: string | undefined, limit: number): string[] {
    const start = after === undefined ? 0 : this.upperBound(after);
    return this.keys.slice(start, start + limit);
  }

  /** True when a key exists after `key`. */
  hasAfter(key: string): boolean {
    return this.upperBound(key) < this.keys.length;
  }

  private lowerBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private upperBound(key: string): number {
    let lo = 0;
    let hi = this.keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.keys[mid] as string) <= key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
