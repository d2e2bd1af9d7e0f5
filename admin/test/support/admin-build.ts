/** Builds the console into admin/dist when it is missing or older than its sources. */
import { spawnSync } from 'node:child_process';
import { existsSync, globSync, statSync } from 'node:fs';

const adminDir = new URL('../../', import.meta.url).pathname;
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

export function ensureAdminBuilt(): void {
  const index = `${distDir}/index.html`;
  if (existsSync(index) && statSync(index).mtimeMs >= newestSourceMtime()) return;
  const res = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { cwd: adminDir, stdio: 'inherit' });
  if (res.status !== 0) throw new Error(`admin build failed with status ${res.status}`);
}
