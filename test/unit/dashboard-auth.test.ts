import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config';
import { DashboardAuth, hashPassword, isLoopback, sameSecret, verifyPassword } from '../../dashboard/auth';
import { configProblems } from '../support/config-problems';

const FAST = { N: 1024, r: 8, p: 1 };

const problems = configProblems;

describe('dashboard passwords', () => {
  it('hashes as scrypt$N$r$p$salt$hash and verifies only the right password', () => {
    const hash = hashPassword('s3cret password', FAST);
    expect(hash).toMatch(/^scrypt\$1024\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(verifyPassword('s3cret password', hash)).toBe(true);
    expect(verifyPassword('s3cret passwore', hash)).toBe(false);
    expect(verifyPassword('', hash)).toBe(false);
    expect(verifyPassword('s3cret password', 'plain')).toBe(false);
    // A fresh salt each time.
    expect(hashPassword('s3cret password', FAST)).not.toBe(hash);
  });

  it('uses the default cost when none is given', () => {
    expect(hashPassword('another password')).toMatch(/^scrypt\$16384\$8\$1\$/);
  });

  it('compares secrets of any length', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abcd')).toBe(false);
  });

  it('makes a one-time token only when nothing is configured', () => {
    const open = new DashboardAuth({ users: [], secureCookie: false });
    expect(open.generatedToken).toBe(true);
    expect(open.validToken(open.token)).toBe(true);
    expect(open.validToken('x')).toBe(false);
    const users = new DashboardAuth({
      users: [{ name: 'a', hash: hashPassword('pw-pw-pw-pw', FAST) }],
      secureCookie: false,
    });
    expect(users.generatedToken).toBe(false);
    expect(users.token).toBeUndefined();
    expect(users.validToken('anything')).toBe(false);
    expect(users.checkUser('a', 'pw-pw-pw-pw')).toBe(true);
    expect(users.checkUser('a', 'wrong')).toBe(false);
    expect(users.checkUser('b', 'pw-pw-pw-pw')).toBe(false);
  });

  it('tells loopback addresses apart', () => {
    for (const h of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'])
      expect(isLoopback(h), h).toBe(true);
    for (const h of ['0.0.0.0', '::', '192.168.1.4', 'example.org']) expect(isLoopback(h), h).toBe(false);
  });
});

describe('dashboard configuration', () => {
  it('reads DASHBOARD_TOKEN and DASHBOARD_USERS', () => {
    const a = hashPassword('first password', FAST);
    const b = hashPassword('second password', FAST);
    const c = loadConfig({ DASHBOARD_TOKEN: 'x'.repeat(24), DASHBOARD_USERS: `ann:${a}, bo.b:${b}` });
    expect(c.dashboard).toEqual({
      token: 'x'.repeat(24),
      users: [
        { name: 'ann', hash: a },
        { name: 'bo.b', hash: b },
      ],
      secureCookie: false,
    });
    expect(loadConfig({}).dashboard).toEqual({ users: [], secureCookie: false });
    expect(loadConfig({ DASHBOARD_COOKIE_SECURE: 'true' }).dashboard.secureCookie).toBe(true);
  });

  it('names the variable in every error', () => {
    expect(problems({ DASHBOARD_TOKEN: 'short' })).toEqual([expect.stringMatching(/^DASHBOARD_TOKEN/)]);
    expect(problems({ DASHBOARD_USERS: 'ann' })).toEqual([expect.stringMatching(/^DASHBOARD_USERS/)]);
    expect(problems({ DASHBOARD_USERS: 'ann:plaintext' })).toEqual([
      expect.stringMatching(/^DASHBOARD_USERS.*ann.*hash-password/),
    ]);
    expect(problems({ DASHBOARD_USERS: 'ann:scrypt$1000$8$1$c2FsdA==$aGFzaA==' })).toEqual([
      expect.stringMatching(/^DASHBOARD_USERS.*scrypt parameters/),
    ]);
    const h = hashPassword('first password', FAST);
    expect(problems({ DASHBOARD_USERS: `ann:${h},ann:${h}` })).toEqual([expect.stringMatching(/twice/)]);
    expect(problems({ DASHBOARD_COOKIE_SECURE: 'maybe' })).toEqual([
      expect.stringMatching(/^DASHBOARD_COOKIE_SECURE/),
    ]);
  });
});
