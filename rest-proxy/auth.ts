import crypto from 'node:crypto';
import type http from 'node:http';
import { sameSecret, verifyPassword } from '../dashboard/auth';
import type { Config } from '../config';

/** Verified basic-auth logins kept so scrypt (tens of ms of CPU by design) runs once, not per request. */
const MAX_REMEMBERED_LOGINS = 1_000;

/**
 * Bearer token (REST_PROXY_TOKEN) or HTTP basic auth (REST_PROXY_USERS, scrypt hashes as the
 * dashboard's); with neither configured every request is let in (loopback only, checked at start).
 */
export class ProxyAuth {
  private readonly remembered = new Set<string>();

  constructor(private readonly settings: Pick<Config['restProxy'], 'token' | 'users'>) {}

  get required(): boolean {
    return this.settings.token !== undefined || this.settings.users.length > 0;
  }

  /** Who the request is ('token' or the user name); undefined when it must be refused. */
  identify(req: http.IncomingMessage): string | undefined {
    if (!this.required) return 'anonymous';
    const header = req.headers.authorization ?? '';
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (bearer) {
      const token = this.settings.token;
      return token !== undefined && sameSecret(bearer[1]!, token) ? 'token' : undefined;
    }
    const basic = /^Basic\s+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
    if (!basic) return undefined;
    const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon <= 0) return undefined;
    const name = decoded.slice(0, colon);
    return this.checkUser(name, decoded.slice(colon + 1)) ? name : undefined;
  }

  private checkUser(name: string, password: string): boolean {
    const user = this.settings.users.find((u) => sameSecret(u.name, name));
    if (!user) {
      // The same scrypt work as for a known name, so timing does not tell names apart.
      verifyPassword(password, this.settings.users[0]?.hash ?? '');
      return false;
    }
    // Keyed by the stored hash too, so a changed password is never served from memory.
    const key = crypto.createHash('sha256').update(`${user.hash}\u0000${password}`).digest('hex');
    if (this.remembered.has(key)) return true;
    if (!verifyPassword(password, user.hash)) return false;
    if (this.remembered.size >= MAX_REMEMBERED_LOGINS) this.remembered.clear();
    this.remembered.add(key);
    return true;
  }
}
