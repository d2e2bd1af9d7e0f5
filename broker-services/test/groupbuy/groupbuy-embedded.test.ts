/** The group-buy suite on the embedded default: PGlite, the in-process hot path, the local bus. */
import { rmSync } from 'node:fs';
import { startPlatform } from '../support/platform.ts';
import { GROUPBUY_ENV, groupBuySuite } from './suite.ts';

let dataDir: string | undefined;

groupBuySuite({
  mode: 'embedded',
  async start() {
    const p = await startPlatform({ env: GROUPBUY_ENV });
    dataDir = p.dataDir;
    return p;
  },
  async restart(p) {
    // PGlite runs with fsync off, so only a graceful stop is durable here; real services take a SIGKILL.
    await p.stop({ keepData: true });
    return startPlatform({ env: GROUPBUY_ENV, dataDir: p.dataDir });
  },
  async cleanup(p) {
    await p?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  },
});
