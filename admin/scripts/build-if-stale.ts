/**
 * Builds the console into admin/dist when dist/index.html is missing or older than any source, so that
 * `npm install` at the root leaves a console for the gateway to serve at /admin/ (it serves admin/dist only if
 * it exists when it starts). Run as a script by the root `postinstall`, imported by the browser tests.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const adminDir = fileURLToPath(new URL('../', import.meta.url));
export const distDir = `${adminDir}dist`;

function newestSourceMtime(): number {
  const files = [...globSync('src/**/*', { cwd: adminDir }), 'index.html', 'vite.config.ts', 'package.json'];
  let newest = 0;
  for (const file of files) {
    const stat = statSync(`${adminDir}${file}`);
    if (stat.isFile()) newest = Math.max(newest, stat.mtimeMs);
  }
  return newest;
}

export function adminBuildIsStale(): boolean {
  const index = `${distDir}/index.html`;
  return !existsSync(index) || statSync(index).mtimeMs < newestSourceMtime();
}

/** Builds when stale; throws when the build fails. */
export function ensureAdminBuilt(): void {
  if (!adminBuildIsStale()) return;
  const res = spawnSync('npm', ['run', 'build', '--workspace=@tuanmiao/admin', '--', '--logLevel', 'warn'], {
    cwd: `${adminDir}..`,
    stdio: 'inherit',
  });
  if (res.status !== 0) throw new Error(`admin build failed with status ${res.status}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!adminBuildIsStale()) {
    console.log('admin: admin/dist is up to date');
  } else if (!existsSync(`${adminDir}../node_modules/vite`) && !existsSync(`${adminDir}node_modules/vite`)) {
    // An install without dev dependencies has no vite: the API runs without the console then.
    console.log('admin: vite is not installed (dev dependencies omitted), admin/dist not built');
  } else {
    console.log('admin: building admin/dist');
    ensureAdminBuilt();
  }
}
