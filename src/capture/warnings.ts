/** Warnings about the input, bounded so a fuzzed file with a million odd records cannot exhaust memory. */
export class Warnings {
  readonly list: string[] = [];
  private suppressed = 0;

  constructor(private readonly max = 100) {}

  add(msg: string): void {
    if (this.list.length < this.max) this.list.push(msg);
    else this.suppressed++;
  }

  /** The warnings, with a last line counting the ones left out. */
  snapshot(): string[] {
    return this.suppressed === 0 ? this.list.slice() : [...this.list, `... ${this.suppressed} more warnings`];
  }
}
