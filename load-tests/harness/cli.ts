/** `npm run loadtest -- <scenario> [--base-url …] [--duration …] [--rate …]`: exit 0 on PASS, 1 on FAIL. */
import { adminPasswordFrom, parseCli, usage } from './args.ts';
import { formatReport, runScenario } from './index.ts';

let parsed: ReturnType<typeof parseCli>;
try {
  parsed = parseCli(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n\n${usage}\n`);
  process.exit(2);
}

try {
  process.stderr.write(`admin password from ${adminPasswordFrom(process.env).source}\n`);
  const report = await runScenario(parsed.scenario, parsed.options, (line) =>
    process.stderr.write(`${line}\n`),
  );
  process.stdout.write(`${formatReport(report)}\n`);
  process.exitCode = report.pass ? 0 : 1;
} catch (err) {
  process.stderr.write(
    `loadtest ${parsed.scenario} failed: ${err instanceof Error ? err.message : String(err)}\n`,
  );
  process.exitCode = 1;
}
