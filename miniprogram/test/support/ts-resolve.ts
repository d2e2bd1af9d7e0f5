/**
 * The mini-program's sources import without extensions (`'../request'`), as WeChat DevTools' TypeScript
 * compiler expects; Node's ESM loader wants the `.ts`. This hook adds it for relative specifiers, so tests run
 * the very files the mini-program ships. Import this first, then load mini-program modules with `await import()`.
 */
import { registerHooks } from 'node:module';

const hasExtension = /\.(?:[cm]?[jt]s|json)$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    const relative = specifier.startsWith('./') || specifier.startsWith('../');
    if (relative && !hasExtension.test(specifier) && context.parentURL?.includes('/miniprogram/')) {
      return nextResolve(`${specifier}.ts`, context);
    }
    return nextResolve(specifier, context);
  },
});
