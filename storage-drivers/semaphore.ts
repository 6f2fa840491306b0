/** A counting semaphore: acquire() resolves with a release function once a slot is free. */
export class Semaphore {
  private inUse = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly slots: number) {
    if (!Number.isInteger(slots) || slots < 1) throw new RangeError(`semaphore needs at least one slot, got ${slots}`);
  }

  async acquire(): Promise<() => void> {
    if (this.inUse >= this.slots) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.inUse++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.waiting.shift();
      // Hand the slot straight to the next waiter, so inUse never dips and lets a newcomer jump the queue.
      if (next) next();
      else this.inUse--;
    };
  }
}
