/* eslint-disable @typescript-eslint/no-explicit-any -- API bodies are JSON, checked by each test */
/**
 * A dashboard server over the test database for one test file: seeds the catalogue, inserts the
 * file's events under a tag of its own, and removes them again afterwards (vitest hooks).
 */
import { afterAll, beforeAll, expect } from 'vitest';
import type { Config } from '../../config';
import { startDashboardServer, type DashboardServer } from '../../dashboard/server';
import { createPgPool } from '../../worker/connections';
import {
  deleteEvents,
  insertEvents,
  seedDashboardDatabase,
  type KnownEvent,
} from '../e2e/support/dashboard-data';
import { stackConfig, uniqueName } from './env';

export interface DashboardFixture {
  readonly config: Config;
  /** The writer's pool, for what a test checks or changes in the database directly. */
  readonly db: ReturnType<typeof createPgPool>;
  readonly tag: string;
  /** The running server (set once beforeAll has run). */
  readonly server: DashboardServer;
  /** A GET with the fixture's token; the body parsed as JSON. */
  api(path: string): Promise<{ status: number; body: any }>;
  /** The same, expecting 200. */
  ok(path: string): Promise<any>;
}

export function dashboardFixture(options: {
  name: string;
  token: string;
  events: KnownEvent[];
  env?: Record<string, string>;
}): DashboardFixture {
  const config = stackConfig({ DASHBOARD_TOKEN: options.token, ...options.env });
  const db = createPgPool(config);
  const tag = uniqueName(options.name);
  let server: DashboardServer | undefined;

  const fixture: DashboardFixture = {
    config,
    db,
    tag,
    get server() {
      if (!server) throw new Error('the dashboard server starts in beforeAll');
      return server;
    },
    async api(path) {
      const res = await fetch(new URL(path, fixture.server.url), {
        headers: { authorization: `Bearer ${options.token}` },
      });
      return { status: res.status, body: await res.json() };
    },
    async ok(path) {
      const { status, body } = await fixture.api(path);
      expect(status, `${path}: ${JSON.stringify(body)}`).toBe(200);
      return body;
    },
  };

  beforeAll(async () => {
    await seedDashboardDatabase(config, db);
    await insertEvents(db, options.events, tag, config.museum.timeZone);
    server = await startDashboardServer(config, { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await deleteEvents(db, tag).catch(() => undefined);
    await db.end();
  });

  return fixture;
}
