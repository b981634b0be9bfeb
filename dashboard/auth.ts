/**
 * Access control of the dashboards: a shared token (DASHBOARD_TOKEN, or a random one-time token made
 * at start, as Jupyter does), users with scrypt password hashes (DASHBOARD_USERS), and in-memory
 * sessions carried by an HttpOnly, SameSite=Strict cookie.
 */
import crypto from 'node:crypto';
import type http from 'node:http';
import { PASSWORD_HASH_PATTERN } from '../config';

export const SESSION_COOKIE = 'museum_dashboard_session';
/** Sessions last this long after login (sliding is not needed for a wall display: it re-logs by token). */
export const SESSION_TTL_MS = 12 * 60 * 60 * 1000;
const MAX_SESSIONS = 10_000;

export interface ScryptParams {
  N: number;
  r: number;
  p: number;
}
export const DEFAULT_SCRYPT: ScryptParams = { N: 16_384, r: 8, p: 1 };

const maxmem = ({ N, r }: ScryptParams) => 128 * N * r * 2 + 1024 * 1024;

/** `scrypt$N$r$p$salt$hash` with salt and hash in base64. */
export function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): string {
  const salt = crypto.randomBytes(16);
  const hash = crypto.scryptSync(password.normalize('NFC'), salt, 32, { ...params, maxmem: maxmem(params) });
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

export function verifyPassword(password: string, stored: string): boolean {
  const m = PASSWORD_HASH_PATTERN.exec(stored);
  if (!m) return false;
  const params = { N: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  const expected = Buffer.from(m[5]!, 'base64');
  if (expected.length < 16) return false;
  let actual: Buffer;
  try {
    actual = crypto.scryptSync(password.normalize('NFC'), Buffer.from(m[4]!, 'base64'), expected.length, {
      ...params,
      maxmem: maxmem(params),
    });
  } catch {
    return false;
  }
  return crypto.timingSafeEqual(actual, expected);
}

/** Constant-time comparison of two secrets of any length (both are hashed to a fixed size first). */
export function sameSecret(a: string, b: string): boolean {
  const ha = crypto.createHash('sha256').update(a).digest();
  const hb = crypto.createHash('sha256').update(b).digest();
  return crypto.timingSafeEqual(ha, hb);
}

export interface AuthSettings {
  token?: string;
  users: ReadonlyArray<{ name: string; hash: string }>;
  secureCookie: boolean;
}

export class DashboardAuth {
  /** The token in force: the configured one, or one made now when nothing is configured. */
  readonly token: string | undefined;
  readonly generatedToken: boolean;
  private readonly sessions = new Map<string, { user: string; expires: number }>();
  /** A hash to check against when the user name is unknown, so timing does not tell names apart. */
  private readonly dummyHash: string;

  constructor(private readonly settings: AuthSettings) {
    const configured = settings.token !== undefined || settings.users.length > 0;
    this.generatedToken = !configured;
    this.token = settings.token ?? (configured ? undefined : crypto.randomBytes(24).toString('hex'));
    this.dummyHash =
      settings.users[0]?.hash ?? hashPassword(crypto.randomBytes(8).toString('hex'), { N: 1024, r: 8, p: 1 });
  }

  get hasUsers(): boolean {
    return this.settings.users.length > 0;
  }

  validToken(candidate: string | null | undefined): boolean {
    return this.token !== undefined && typeof candidate === 'string' && sameSecret(candidate, this.token);
  }

  checkUser(name: string, password: string): boolean {
    const user = this.settings.users.find((u) => sameSecret(u.name, name));
    const ok = verifyPassword(password, user?.hash ?? this.dummyHash);
    return user !== undefined && ok;
  }

  /** Who the request is, from its Bearer token or session cookie; undefined when neither is valid. */
  identify(req: http.IncomingMessage): string | undefined {
    const header = req.headers.authorization;
    if (header && /^Bearer\s+/i.test(header) && this.validToken(header.replace(/^Bearer\s+/i, '').trim())) {
      return 'token';
    }
    const id = readCookie(req, SESSION_COOKIE);
    if (!id) return undefined;
    const key = sessionKey(id);
    const session = this.sessions.get(key);
    if (!session) return undefined;
    if (session.expires <= Date.now()) {
      this.sessions.delete(key);
      return undefined;
    }
    return session.user;
  }

  /** Starts a session and returns its Set-Cookie header value. */
  startSession(user: string, req: http.IncomingMessage): string {
    const now = Date.now();
    for (const [k, s] of this.sessions) if (s.expires <= now) this.sessions.delete(k);
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value!);
    const id = crypto.randomBytes(32).toString('base64url');
    this.sessions.set(sessionKey(id), { user, expires: now + SESSION_TTL_MS });
    return [
      `${SESSION_COOKIE}=${id}`,
      'HttpOnly',
      'SameSite=Strict',
      'Path=/',
      `Max-Age=${Math.floor(SESSION_TTL_MS / 1000)}`,
      ...(this.secure(req) ? ['Secure'] : []),
    ].join('; ');
  }

  endSession(req: http.IncomingMessage): string {
    const id = readCookie(req, SESSION_COOKIE);
    if (id) this.sessions.delete(sessionKey(id));
    return `${SESSION_COOKIE}=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0${this.secure(req) ? '; Secure' : ''}`;
  }

  private secure(req: http.IncomingMessage): boolean {
    return (
      this.settings.secureCookie ||
      (req.socket as { encrypted?: boolean }).encrypted === true ||
      req.headers['x-forwarded-proto'] === 'https'
    );
  }
}

const sessionKey = (id: string) => crypto.createHash('sha256').update(id).digest('hex');

function readCookie(req: http.IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether a listen address only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || h === '::ffff:127.0.0.1';
}
