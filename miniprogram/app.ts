import { syncServerClock } from './services/time/fetchServerTime';

/** Global state kept small on purpose: pages read services and the shared server clock, not `globalData`. */
App({
  onLaunch() {
    // Countdowns are wrong until this returns; pages sync again on show, so a failure here is not fatal.
    syncServerClock().catch(() => {});
  },
  onShow() {
    // The phone may have slept or its clock been changed while in the background.
    syncServerClock().catch(() => {});
  },
});
