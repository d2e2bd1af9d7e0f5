/**
 * Loads the lead's platform helper (broker-services/test/support/platform.ts) when it is in the tree.
 * It is imported by URL so this workspace type-checks on a branch where the helper does not exist yet;
 * the tests that need it skip with that reason instead of failing on a missing file.
 */
import { existsSync } from 'node:fs';

export interface Platform {
  baseUrl: string;
  adminUsername: string;
  adminPassword: string;
  stop: () => Promise<void>;
}

interface PlatformHelper {
  startPlatform: () => Promise<Platform>;
}

const helperUrl = new URL('../../../broker-services/test/support/platform.ts', import.meta.url);

/** `null` when the helper is not in this tree; the reason to print then. */
export const platformMissing: string | null = existsSync(helperUrl)
  ? null
  : 'broker-services/test/support/platform.ts is not in this tree yet';

export async function startPlatform(): Promise<Platform> {
  const helper = (await import(helperUrl.href)) as PlatformHelper;
  return helper.startPlatform();
}
