/** The fixed-window counter behind the rate limits: windows, and the bound on tracked keys. */
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock.js";
import { OVERFLOW_KEY, WindowCounter } from "../../src/http/rate-limit/window-counter.js";

describe("WindowCounter", () => {
  it("allows max events per key and window, then says how long to wait", () => {
    const clock = new ManualClock(0);
    const counter = new WindowCounter({ clock, windowMs: 10_000, max: 2, maxKeys: 10 });
    expect(counter.hit("a")).toBe(0);
    clock.advance(4000);
    expect(counter.hit("a")).toBe(0);
    expect(counter.blockedFor("a")).toBe(6000);
    expect(counter.hit("a")).toBe(6000);
    expect(counter.hit("b")).toBe(0);
    clock.advance(6000);
    expect(counter.blockedFor("a")).toBe(0);
    expect(counter.hit("a")).toBe(0);
  });

  it("tracks at most maxKeys keys: ended windows are dropped, further keys share one overflow budget", () => {
    const clock = new ManualClock(0);
    const counter = new WindowCounter({ clock, windowMs: 1000, max: 3, maxKeys: 100 });
    for (let i = 0; i < 100; i++) counter.hit(`k${i}`);
    expect(counter.size).toBe(100);
    // A spray of new keys counts together: the fourth is refused, whoever sends it.
    for (let i = 0; i < 3; i++) expect(counter.hit(`spray${i}`)).toBe(0);
    expect(counter.hit("spray-next")).toBeGreaterThan(0);
    expect(counter.blockedFor("never-seen")).toBeGreaterThan(0);
    expect(counter.size).toBe(101);
    // Once the windows end, they are swept and new keys are tracked on their own again.
    clock.advance(1000);
    expect(counter.hit("fresh")).toBe(0);
    expect(counter.size).toBe(1);
    expect(counter.blockedFor(OVERFLOW_KEY)).toBe(0);
  });
});
