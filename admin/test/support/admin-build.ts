/** The browser tests build the console the way the root `npm install` does: only when it is stale. */
export { distDir, ensureAdminBuilt } from '../../scripts/build-if-stale.ts';
