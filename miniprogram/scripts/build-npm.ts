/**
 * `npm run build:npm`: copies each UI library's `miniprogram_dist` into `miniprogram_npm/<name>/`, which is
 * what WeChat DevTools' own "构建 npm" would produce. Done by hand because npm workspaces hoist packages to
 * the repository's root node_modules, where DevTools does not look (project.config.json: packNpmManually).
 */
import { cpSync, existsSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const here = dirname(new URL(import.meta.url).pathname);
const miniprogramRoot = join(here, '..');
const manifest = JSON.parse(readFileSync(join(miniprogramRoot, 'package.json'), 'utf8')) as {
  dependencies?: Record<string, string>;
};
const require = createRequire(join(miniprogramRoot, 'package.json'));
const outRoot = join(miniprogramRoot, 'miniprogram_npm');

rmSync(outRoot, { recursive: true, force: true });
for (const name of Object.keys(manifest.dependencies ?? {})) {
  const packageDir = dirname(require.resolve(`${name}/package.json`));
  const pkg = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as { miniprogram?: string };
  const dist = join(packageDir, pkg.miniprogram ?? 'miniprogram_dist');
  if (!existsSync(dist)) {
    console.log(`skip ${name}: no ${pkg.miniprogram ?? 'miniprogram_dist'}`);
    continue;
  }
  cpSync(dist, join(outRoot, name), { recursive: true });
  console.log(`${name} → miniprogram_npm/${name}`);
}
