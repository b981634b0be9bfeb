import type { Pool } from 'pg';
import { catalogueFromPublicIds, type Catalogue } from './rules';

export interface CatalogueSnapshot {
  catalogue: Catalogue;
  /** public_id -> exhibition.exhibition_id, what the loader writes. */
  exhibitionIds: ReadonlyMap<string, number>;
  loadedAt: number;
}

/**
 * The exhibitions that exist, cached per worker process. A snapshot older than `maxAgeMs` is
 * reloaded, so a newly seeded exhibition becomes valid within seconds without a restart.
 */
export class CatalogueCache {
  private snapshot: CatalogueSnapshot | undefined;
  private loading: Promise<CatalogueSnapshot> | undefined;

  constructor(
    private readonly db: Pool,
    private readonly maxAgeMs = 5_000,
  ) {}

  async get(maxAgeMs = this.maxAgeMs): Promise<CatalogueSnapshot> {
    if (this.snapshot && Date.now() - this.snapshot.loadedAt <= maxAgeMs) return this.snapshot;
    this.loading ??= this.load().finally(() => (this.loading = undefined));
    return this.loading;
  }

  private async load(): Promise<CatalogueSnapshot> {
    const { rows } = await this.db.query<{ exhibition_id: number; public_id: string }>(
      'select exhibition_id, public_id from exhibition',
    );
    this.snapshot = {
      catalogue: catalogueFromPublicIds(rows.map((r) => r.public_id)),
      exhibitionIds: new Map(rows.map((r) => [r.public_id, r.exhibition_id])),
      loadedAt: Date.now(),
    };
    return this.snapshot;
  }
}
