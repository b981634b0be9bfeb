import { describe, expect, it } from 'vitest';
import { newClusterId, storageFormatArgs } from '../../../infra/local/components/kafka';

// 0xf8 in the first byte encodes as `-` in URL-safe base64: one draw in 64 used to begin with it.
const DASH_FIRST = Buffer.from([0xf8, ...Array<number>(15).fill(7)]);

describe('the Kafka storage format', () => {
  it('binds an id beginning with - to --cluster-id, so the tool cannot read it as an option', () => {
    const id = DASH_FIRST.toString('base64url');
    expect(id.startsWith('-')).toBe(true);
    const args = storageFormatArgs(id, '/x/server.properties');
    expect(args).toContain(`--cluster-id=${id}`);
    expect(args).not.toContain(id);
    expect(args.slice(0, 2)).toEqual(['kafka.tools.StorageTool', 'format']);
  });

  it('draws ids as Kafka does: 22 URL-safe characters, never a leading -', () => {
    const draws = [DASH_FIRST, DASH_FIRST, Buffer.alloc(16, 1)];
    const id = newClusterId(() => draws.shift()!);
    expect(id).toBe(Buffer.alloc(16, 1).toString('base64url'));
    expect(draws).toHaveLength(0);
    for (let i = 0; i < 2000; i += 1) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});
