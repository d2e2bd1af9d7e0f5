/**
 * Loads the Lua scripts of `src/lua/`: inlines `--- @include "includes/<name>"` lines (each include once), and
 * registers each script with ioredis `defineCommand` under `<name>_<content hash>`, so a deploy never runs a stale
 * script. ioredis sends EVALSHA and falls back to EVAL on NOSCRIPT.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

const luaDir = new URL('../lua/', import.meta.url);
const includePattern = /^--- @include "([\w/]+)"\s*$/gm;

export interface LoadedScript {
  /** The script's file name without the key count, e.g. `reserveSeckill`. */
  name: string;
  numberOfKeys: number;
  /** The versioned command name registered on the client. */
  command: string;
  lua: string;
  sha1: string;
}

function inline(source: string, seen: Set<string>): string {
  return source.replace(includePattern, (_line, include: string) => {
    if (seen.has(include)) return '';
    seen.add(include);
    return inline(readFileSync(new URL(`${include}.lua`, luaDir), 'utf8'), seen);
  });
}

let cache: Map<string, LoadedScript> | undefined;

/** Every script of `src/lua/`, resolved once per process. */
export function loadScripts(): Map<string, LoadedScript> {
  if (cache) return cache;
  const scripts = new Map<string, LoadedScript>();
  for (const file of readdirSync(luaDir)) {
    const match = /^(\w+)-(\d+)\.lua$/.exec(file);
    if (!match) continue;
    const [, name, keys] = match as unknown as [string, string, string];
    const lua = inline(readFileSync(new URL(file, luaDir), 'utf8'), new Set());
    const version = createHash('sha256').update(lua).digest('hex').slice(0, 12);
    const sha1 = createHash('sha1').update(lua).digest('hex');
    scripts.set(name, { name, numberOfKeys: Number(keys), command: `${name}_${version}`, lua, sha1 });
  }
  cache = scripts;
  return scripts;
}

/** Registers every script on a client (idempotent per client). */
export function defineScripts(redis: Redis | Cluster): Map<string, LoadedScript> {
  const scripts = loadScripts();
  for (const s of scripts.values()) {
    redis.defineCommand(s.command, { numberOfKeys: s.numberOfKeys, lua: s.lua });
  }
  return scripts;
}
