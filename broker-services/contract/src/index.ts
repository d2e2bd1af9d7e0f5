/** `@tuanmiao/contract`: the public HTTP contract (API types and the error registry) shared by every client. */
export * from './api.ts';
export * from './errors.ts';
