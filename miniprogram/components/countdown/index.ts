import { countdownParts } from '../../lib/countdown';
import { serverClock } from '../../lib/server-clock';

/** Timers live beside the instance, not in `data`: setData would ship them to the render layer every tick. */
const timers = new WeakMap<object, number>();

function stopTimer(owner: object): void {
  const timer = timers.get(owner);
  if (timer !== undefined) clearInterval(timer);
  timers.delete(owner);
}

/**
 * Counts down to `target` (ISO 8601) on the server's clock, never the phone's, and fires `end` once when it
 * reaches zero. One timer per instance, stopped when the component leaves the page.
 */
Component({
  properties: {
    target: { type: String, value: '' },
    prefix: { type: String, value: '' },
  },
  data: { label: '--:--:--', done: false },
  observers: {
    target() {
      this.refresh();
    },
  },
  lifetimes: {
    attached() {
      this.refresh();
      timers.set(
        this,
        setInterval(() => this.refresh(), 1000),
      );
    },
    detached() {
      stopTimer(this);
    },
  },
  methods: {
    refresh() {
      if (!this.data.target) return;
      const parts = countdownParts(this.data.target, serverClock.now());
      const justEnded = parts.done && !this.data.done;
      this.setData({ label: parts.label, done: parts.done });
      if (justEnded) {
        stopTimer(this);
        this.triggerEvent('end', { target: this.data.target });
      }
    },
  },
});
