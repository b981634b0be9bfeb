/**
 * One extract at a time per partition, for every extractor that reads through a reader pool (the
 * live ingest's and the archive's): an extract claims the partitions it reads, and a newer claim
 * on any of them stops the older one (a zombie attempt Temporal has given up on, a cancelled
 * prefetch) instead of both moving the same readers.
 */
export class PartitionClaims {
  private readonly holders = new Map<string, { stopped: boolean }>();

  /** Runs `read` holding the partitions; `stopped()` turns true once a newer claim takes one. */
  async hold<T>(
    topic: string,
    partitions: readonly number[],
    read: (stopped: () => boolean) => Promise<T>,
  ): Promise<T> {
    const keys = partitions.map((p) => `${topic}:${p}`);
    const me = { stopped: false };
    for (const key of keys) {
      const previous = this.holders.get(key);
      if (previous) previous.stopped = true;
      this.holders.set(key, me);
    }
    try {
      return await read(() => me.stopped);
    } finally {
      for (const key of keys) if (this.holders.get(key) === me) this.holders.delete(key);
    }
  }
}

/** How long a waiting extract sleeps between looks at what its readers hold. */
const POLL_MS = 20;
export const nextPoll = (): Promise<void> => new Promise((r) => setTimeout(r, POLL_MS));
