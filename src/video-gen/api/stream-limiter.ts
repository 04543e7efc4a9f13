/**
 * Counts open event streams per user and in total, so no user (and no crowd) can hold enough streams to
 * starve the service. `acquire` answers a release function, or undefined when a cap is reached.
 */
export class StreamLimiter {
  private readonly perUser = new Map<string, number>();
  private total = 0;

  constructor(private readonly limits: { maxStreamsPerUser: number; maxStreams: number }) {}

  acquire(userId: string): { release: () => void } | { refused: 'user' | 'global' } {
    const mine = this.perUser.get(userId) ?? 0;
    if (mine >= this.limits.maxStreamsPerUser) return { refused: 'user' };
    if (this.total >= this.limits.maxStreams) return { refused: 'global' };
    this.perUser.set(userId, mine + 1);
    this.total++;
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        this.total--;
        const left = (this.perUser.get(userId) ?? 1) - 1;
        if (left <= 0) this.perUser.delete(userId);
        else this.perUser.set(userId, left);
      },
    };
  }

  get open(): number {
    return this.total;
  }
}
