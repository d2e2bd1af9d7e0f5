/** `npm start`: the platform on this machine; see the root README for SERVICES, WORKERS and the configuration table. */
import cluster from 'node:cluster';
import { ConfigError, isEmbedded, loadConfig } from './config.ts';
import { startPlatform } from './runtime/bootstrap.ts';
import { announceWorkerReady, startWorkerGroup } from './runtime/worker-group.ts';

let config: ReturnType<typeof loadConfig>;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(`tuanmiao: ${err.message}`);
    process.exit(2);
  }
  throw err;
}

try {
  const group = config.workers > 1 && cluster.isPrimary;
  const platform = group ? await startWorkerGroup(config) : await startPlatform(config);
  if (cluster.isWorker) {
    if (platform.url) announceWorkerReady(platform.url);
  } else {
    const lines = [
      `tuanmiao ${isEmbedded(config) ? 'embedded default' : 'production mode'}: services ${config.services.join(',')}${group ? ` (${config.workers} gateway workers)` : ''}`,
    ];
    if (platform.url) {
      lines.push(
        `  gateway  ${platform.url}`,
        `  API docs ${platform.url}/docs`,
        `  admin    ${platform.url}/admin/`,
      );
    }
    if (platform.metricsUrl) lines.push(`  metrics  ${platform.metricsUrl}`);
    const passwordFile = `${config.dataDir}/admin-password`;
    switch (platform.adminPasswordSource) {
      case 'generated':
        lines.push(
          `  admin login: ${platform.adminUsername} / ${platform.adminPassword}  (generated now, kept in ${passwordFile})`,
        );
        break;
      case 'kept':
        lines.push(
          `  admin login: ${platform.adminUsername} / ${platform.adminPassword}  (generated at the first start, kept in ${passwordFile})`,
        );
        break;
      case 'configured':
        lines.push(`  admin user: ${platform.adminUsername}, with the password ADMIN_PASSWORD set`);
        break;
      case 'stale':
        lines.push(
          `  admin user: ${platform.adminUsername}; its password was changed since it was generated, so ${passwordFile} is out of date`,
        );
        break;
      default:
        break;
    }
    console.log(lines.join('\n'));
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!cluster.isWorker) console.log(`tuanmiao: ${signal}, draining and stopping`);
    const force = setTimeout(() => process.exit(1), 15_000);
    force.unref();
    await platform.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
} catch (err) {
  console.error(`tuanmiao: start-up failed: ${(err as Error).message}`);
  process.exit(1);
}
