/** Writes `observability/grafana/dashboards/*.json` from `dashboards.ts`. Run after editing a dashboard. */
import { writeFileSync } from 'node:fs';
import { dashboards } from './dashboards.ts';
import { buildDashboard } from './model.ts';

/** The JSON text of each dashboard file, keyed by file name. */
export function renderDashboards(): Map<string, string> {
  const files = new Map<string, string>();
  for (const [name, spec] of Object.entries(dashboards)) {
    files.set(`${name}.json`, `${JSON.stringify(buildDashboard(spec), null, 2)}\n`);
  }
  return files;
}

export const dashboardsDir = new URL('../../grafana/dashboards/', import.meta.url);

if (import.meta.main) {
  for (const [file, text] of renderDashboards()) {
    writeFileSync(new URL(file, dashboardsDir), text);
    process.stdout.write(`wrote ${file}\n`);
  }
}
