/**
 * Renders the mini-program's own components and pages with miniprogram-simulate (j-component) in Node: each
 * `index.ts` is bundled by esbuild into CommonJS beside copies of its json/wxml/wxss in a temporary tree of
 * the same shape, a jsdom document stands in for the render layer, and `Page({...})` is mapped onto
 * `Component` so a page's wxml can be rendered with the data its logic would set.
 */
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { JSDOM } from 'jsdom';

const require = createRequire(import.meta.url);
const miniprogramRoot = join(dirname(new URL(import.meta.url).pathname), '..', '..');

export interface RenderedComponent {
  dom: HTMLElement;
  data: Record<string, unknown>;
  setData(data: Record<string, unknown>): void;
  attach(parent: Element): void;
  detach(): void;
  querySelector(selector: string): { dom: HTMLElement; dispatchEvent(name: string): void } | null;
  instance: Record<string, (...args: unknown[]) => unknown>;
}

interface Simulate {
  load(
    path: string,
    options?: { compiler?: string; rootPath?: string; usingComponents?: Record<string, string> },
  ): string;
  render(id: string, properties?: Record<string, unknown>): RenderedComponent;
  sleep(ms?: number): Promise<void>;
}

export interface SimulateTree {
  root: string;
  simulate: Simulate;
  /** Renders `<rel>/index` (e.g. `components/price`), attached to a fresh parent, with `properties`. */
  render(rel: string, properties?: Record<string, unknown>): RenderedComponent;
  cleanup(): void;
}

function installDom(): void {
  const dom = new JSDOM('<!doctype html><html><head></head><body></body></html>');
  const g = globalThis as Record<string, unknown>;
  g.window = dom.window;
  g.document = dom.window.document;
  for (const key of ['Node', 'HTMLElement', 'Element', 'Event', 'CustomEvent'])
    g[key] = dom.window[key as 'Node'];
}

/** Maps `Page(options)` onto `Component`: data stays data, functions become methods; lifecycles are not run. */
function installPageAdapter(): void {
  const g = globalThis as unknown as {
    Component: (definition: Record<string, unknown>) => void;
    Page: (options: Record<string, unknown>) => void;
  };
  g.Page = (options) => {
    const methods: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(options)) if (typeof value === 'function') methods[key] = value;
    g.Component({ data: options.data ?? {}, methods });
  };
}

async function compileDir(rel: string, outRoot: string): Promise<void> {
  const from = join(miniprogramRoot, rel);
  const to = join(outRoot, rel);
  mkdirSync(to, { recursive: true });
  for (const file of readdirSync(from)) {
    if (/\.(json|wxml|wxss)$/.test(file)) copyFileSync(join(from, file), join(to, file));
  }
  await build({
    entryPoints: [join(from, 'index.ts')],
    outfile: join(to, 'index.js'),
    bundle: true,
    format: 'cjs',
    platform: 'neutral',
    target: 'es2020',
    logLevel: 'silent',
  });
}

/**
 * TDesign's components are not compiled here (their sources are DevTools' build of the npm package): each one a
 * page uses is stood in for by a component that renders its slot, so a page's own markup and texts render.
 */
const UI_LIBRARY_COMPONENTS: Readonly<Record<string, string>> = {
  't-button': 'button/button',
  't-empty': 'empty/empty',
};
/** Each tag's stand-in, for `simulate.load`'s override of the pages' `usingComponents` (rooted at the tree). */
const UI_LIBRARY_STAND_INS = Object.fromEntries(
  Object.entries(UI_LIBRARY_COMPONENTS).map(([tag, name]) => [tag, `/tdesign-miniprogram/${name}`]),
);
function writeUiLibraryStandIns(root: string): void {
  for (const name of Object.values(UI_LIBRARY_COMPONENTS)) {
    const base = join(root, 'tdesign-miniprogram', name);
    mkdirSync(dirname(base), { recursive: true });
    writeFileSync(`${base}.json`, '{ "component": true }');
    writeFileSync(`${base}.wxml`, '<view class="t-stand-in">{{description}}<slot /></view>');
    writeFileSync(`${base}.wxss`, '');
    writeFileSync(`${base}.js`, 'Component({ properties: { description: { type: String, value: "" } } });');
  }
}

/** Compiles `dirs` (relative to miniprogram/, e.g. `components/price`) and loads miniprogram-simulate. */
export async function prepareSimulate(dirs: string[]): Promise<SimulateTree> {
  const root = mkdtempSync(join(tmpdir(), 'tm-miniprogram-'));
  for (const dir of dirs) await compileDir(dir, root);
  writeUiLibraryStandIns(root);
  installDom();
  const simulate = require('miniprogram-simulate') as Simulate;
  installPageAdapter();
  const rendered: RenderedComponent[] = [];
  return {
    root,
    simulate,
    render(rel, properties = {}) {
      const path = join(root, rel, 'index');
      if (!existsSync(`${path}.js`)) throw new Error(`${rel} was not compiled`);
      const id = simulate.load(path, {
        compiler: 'simulate',
        rootPath: root,
        usingComponents: UI_LIBRARY_STAND_INS,
      });
      const comp = simulate.render(id, properties);
      comp.attach(document.createElement('parent-wrapper'));
      rendered.push(comp);
      return comp;
    },
    cleanup() {
      // Detaching runs `detached`, which stops countdown timers so the process can exit.
      for (const comp of rendered) {
        try {
          comp.detach();
        } catch {
          // Already detached by the test; its timers stopped then.
        }
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** The text a shopper would read, whitespace collapsed. */
export function textOf(comp: { dom: HTMLElement }): string {
  return (comp.dom.textContent ?? '').replace(/\s+/g, ' ').trim();
}
