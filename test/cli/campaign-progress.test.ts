import { availableParallelism } from 'node:os';
import { describe, expect, test, vi } from 'vitest';
import { progressMeter, workersFor } from '../../src/cli/kit/campaign.js';

const io = (tty: boolean) => {
  const out: string[] = [];
  return { out, io: { stdout: { write: () => true }, stderr: { isTTY: tty, write: (s: string | Uint8Array) => out.push(String(s)) } } };
};

describe('progressMeter', () => {
  test('on a terminal: done/total, rate and ETA, redrawn at most every 100 ms, cleared at the end', () => {
    const now = vi.spyOn(Date, 'now');
    now.mockReturnValue(1_000);
    const t = io(true);
    const m = progressMeter(t.io, 'sweep: ', 'crash points')!;
    now.mockReturnValue(3_000);
    m.update(50, 200); // 2 s for 50: 25/s, 150 left: 6 s
    now.mockReturnValue(3_050);
    m.update(60, 200); // within 100 ms: not redrawn
    now.mockReturnValue(5_000);
    m.update(200, 200);
    m.done();
    const text = t.out.join('');
    expect(text).toContain('sweep: 50/200 crash points, 25.0/s, ETA 6s');
    expect(text).not.toContain('60/200');
    expect(text).toContain('200/200 crash points, 50.0/s, ETA 0s');
    expect(text.endsWith('\r\x1b[K')).toBe(true);
    now.mockRestore();
  });

  test('on a pipe: nothing at all', () => {
    expect(progressMeter(io(false).io, 'x', 'y')).toBeUndefined();
  });
});

describe('workersFor', () => {
  test.each([
    [2, 100, 4000, 2],
    [4, 3, 4000, 3],
    [1, 10_000, 4000, 1],
    [5, 0, 4000, 1],
  ])('--jobs %i, %i units, enough %i: %i', (jobs, units, enough, want) => {
    expect(workersFor(jobs, units, enough)).toBe(want);
  });

  test('without --jobs: one thread below "enough", every core at or above it', () => {
    expect(workersFor(undefined, 3999, 4000)).toBe(1);
    expect(workersFor(undefined, 4000, 4000)).toBe(Math.min(availableParallelism(), 4000));
    expect(workersFor(undefined, 1, 1)).toBe(1); // never more threads than units
  });
});
