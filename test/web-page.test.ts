/**
 * The status page of `mrlco serve`, end to end: the HTTP routes with plain requests, then the page in
 * headless Chromium (Debian's /usr/bin/chromium through playwright-core) against a fake StatusSource.
 *
 * MRLCO_PAGE_SCREENSHOT=/tmp/mrlco-page.png saves a full-page screenshot, to look at the page.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { exampleDag } from '../src/dag/examples.js';
import { createProblem, timelineOf } from '../src/mec/problem.js';
import { DEFAULT_SYSTEM } from '../src/mec/system.js';
import { renderGanttSvg } from '../src/report/gantt-svg.js';
import { schedulerByName } from '../src/schedulers/registry.js';
import { CHROMIUM_ARGS, CHROMIUM_PATH } from './helpers/browser.js';
import { startStatusHttpServer, type StatusHttpServer } from '../src/services/web/http-server.js';
import type {
  DeviceStatus,
  FederationStatus,
  RoundSummary,
  StatusSource,
} from '../src/services/web/status.js';

const CHROMIUM = CHROMIUM_PATH;
const MISSING_CHROMIUM = `${CHROMIUM} is missing: install Debian's chromium package (apt-get install chromium); CI installs it`;

// The few browser globals the in-page predicates use (the compiler's lib has no DOM types). Predicates are
// functions, not strings: the page's Content-Security-Policy forbids eval, which string predicates need.
declare const document: {
  querySelector(selector: string): {
    getAttribute(name: string): string | null;
    complete?: boolean;
    naturalWidth?: number;
    hidden?: boolean;
  } | null;
};
declare const window: { __pwned?: number };

/** Untrusted strings from devices: markup that would run if the page ever used innerHTML. */
const EVIL_NAME = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">';
const EVIL_REASON = 'bad update <img src=x onerror="window.__pwned = 3"> & more';

function device(name: string, over: Partial<DeviceStatus> = {}): DeviceStatus {
  return {
    name,
    online: true,
    revoked: false,
    lastSeen: new Date(Date.now() - 3000).toISOString(),
    selections: 4,
    accepted: 4,
    failures: 0,
    lastRound: 4,
    lastOutcome: 'accepted',
    lastReason: null,
    lastSampledMakespanMs: 151.44,
    lastSamples: 20,
    ...over,
  };
}

function round(n: number, test: number | null, train: number | null): RoundSummary {
  return {
    round: n,
    selected: 3,
    accepted: 2,
    rejected: 1,
    missed: 0,
    closedBy: n % 2 === 0 ? 'quorum' : 'deadline',
    wallS: 12.5 + n,
    bytesIn: 1.2e6 * n,
    bytesOut: 3.4e6,
    innerSampledMakespanMs: test === null ? null : test + 12,
    testMakespanMs: test,
    trainMakespanMs: train,
  };
}

function ganttOfExample(): string {
  const problem = createProblem(exampleDag('face-recognition'), DEFAULT_SYSTEM, { profile: 'reference' });
  const plan = schedulerByName('heft').schedule(problem).plan;
  return renderGanttSvg(problem.dag, timelineOf(problem, plan));
}

/** A mutable fake of the service's state. */
class FakeSource implements StatusSource {
  gantt: string | undefined = ganttOfExample();
  state: FederationStatus = {
    service: {
      startedAt: new Date(Date.now() - 600_000).toISOString(),
      listen: '127.0.0.1:50051',
      seed: 7,
      modelVersion: 4,
    },
    round: {
      number: 5,
      state: 'open',
      deadline: new Date(Date.now() + 30_000).toISOString(),
      selected: ['edge-a', EVIL_NAME],
      reported: ['edge-a'],
    },
    totalRounds: 20,
    devices: [
      device('edge-a'),
      device('phone-7', { online: false, lastOutcome: 'missed', failures: 2, accepted: 2 }),
      device(EVIL_NAME, { lastOutcome: 'rejected', lastReason: EVIL_REASON, failures: 1, accepted: 3 }),
    ],
    // Round 3 has no training-task evaluation: the train series breaks there.
    history: [round(1, 182.4, 176.0), round(2, 171.9, 168.2), round(3, 164.3, null), round(4, 158.8, 152.6)],
    references: { heftMs: 149.7, greedyMs: 166.1, optimalMs: 141.2 },
  };
  status(): FederationStatus {
    // A copy, as the service's snapshot would be: the test mutates `state` between polls.
    return structuredClone(this.state);
  }
  ganttSvg(): string | undefined {
    return this.gantt;
  }
}

describe('status page over HTTP', () => {
  const source = new FakeSource();
  let web: StatusHttpServer;
  before(async () => {
    web = await startStatusHttpServer(source, { host: '127.0.0.1', port: 0 });
  });
  after(async () => {
    await web.close();
  });

  test('serves the page, the status JSON and the Gantt SVG, uncached', async () => {
    assert.match(web.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await fetch(web.url);
    assert.equal(page.status, 200);
    assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
    assert.equal(page.headers.get('cache-control'), 'no-store');
    assert.match(page.headers.get('content-security-policy') ?? '', /script-src 'sha256-/);
    const html = await page.text();
    assert.match(html, /id="devices"/);
    assert.doesNotMatch(html, /https?:\/\/(?!www\.w3\.org\/2000\/svg)/, 'no external resources');

    const status = await fetch(new URL('api/status', web.url));
    assert.equal(status.status, 200);
    assert.match(status.headers.get('content-type') ?? '', /^application\/json/);
    assert.equal(status.headers.get('cache-control'), 'no-store');
    const body = (await status.json()) as FederationStatus;
    assert.deepEqual(body, source.state);

    const svg = await fetch(new URL('api/gantt.svg?round=5', web.url));
    assert.equal(svg.status, 200);
    assert.match(svg.headers.get('content-type') ?? '', /^image\/svg\+xml/);
    assert.match(await svg.text(), /^<svg /);
  });

  test('404 for other paths and for a missing Gantt chart, 405 for other methods, HEAD without body', async () => {
    for (const path of ['nope', 'api', 'api/status/x', 'index.html']) {
      const res = await fetch(new URL(path, web.url));
      assert.equal(res.status, 404, path);
      await res.arrayBuffer();
    }
    for (const method of ['POST', 'PUT', 'DELETE']) {
      const res = await fetch(new URL('api/status', web.url), { method });
      assert.equal(res.status, 405, method);
      assert.equal(res.headers.get('allow'), 'GET, HEAD');
      await res.arrayBuffer();
    }
    const head = await fetch(new URL('api/status', web.url), { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.ok(Number(head.headers.get('content-length')) > 0);
    assert.equal((await head.arrayBuffer()).byteLength, 0);

    const saved = source.gantt;
    source.gantt = undefined;
    try {
      const res = await fetch(new URL('api/gantt.svg', web.url));
      assert.equal(res.status, 404);
      await res.arrayBuffer();
    } finally {
      source.gantt = saved;
    }
  });

  test('a failing source gives 500 and the server keeps serving', async () => {
    const failing: StatusSource = {
      status: () => {
        throw new Error('state is being rebuilt');
      },
      ganttSvg: () => undefined,
    };
    const other = await startStatusHttpServer(failing, { host: '127.0.0.1', port: 0 });
    try {
      const res = await fetch(new URL('api/status', other.url));
      assert.equal(res.status, 500);
      assert.match(await res.text(), /state is being rebuilt/);
      assert.equal((await fetch(other.url)).status, 200);
    } finally {
      await other.close();
    }
  });
});

describe('status page in headless Chromium', () => {
  const source = new FakeSource();
  let web: StatusHttpServer;
  let browser: Browser | undefined;
  let launched: Page | undefined;
  /** The page, or a clear failure: never skip, as a page test that silently does nothing proves nothing. */
  const ready = (): Page => {
    if (launched === undefined) throw new Error(MISSING_CHROMIUM);
    return launched;
  };
  const pageErrors: string[] = [];
  const foreignRequests: string[] = [];

  before(async () => {
    web = await startStatusHttpServer(source, { host: '127.0.0.1', port: 0 });
    if (!existsSync(CHROMIUM)) return; // every test below fails, with MISSING_CHROMIUM
    browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS, headless: true });
    const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
    page.on('pageerror', (err) => pageErrors.push(err.message));
    page.on('request', (req) => {
      if (!req.url().startsWith(web.url) && !req.url().startsWith('data:')) foreignRequests.push(req.url());
    });
    await page.goto(web.url);
    launched = page;
  });
  after(async () => {
    await browser?.close();
    await web?.close();
  });

  test(`Chromium is installed at ${CHROMIUM}`, () => {
    assert.ok(existsSync(CHROMIUM), MISSING_CHROMIUM);
  });

  test('renders the header, the device list with untrusted names as text, the chart and the Gantt image', async () => {
    const page = ready();
    await page.waitForSelector('#devices tbody tr[data-device]');
    assert.equal(await page.textContent('#round'), '5of 20');
    assert.equal(await page.textContent('#state'), 'open');

    const rows = await page.$$eval('#devices tbody tr[data-device]', (trs) =>
      trs.map((tr) => ({
        device: tr.getAttribute('data-device'),
        shown: tr.querySelector('.n')?.textContent,
        cells: [...tr.querySelectorAll('td')].map((c) => c.textContent),
      })),
    );
    assert.deepEqual(
      rows.map((r) => r.device),
      ['edge-a', 'phone-7', EVIL_NAME],
    );
    assert.deepEqual(
      rows.map((r) => r.shown),
      ['edge-a', 'phone-7', EVIL_NAME],
    );
    assert.ok(rows[2].cells.includes(EVIL_REASON), 'the reason is shown as text');
    assert.ok(rows[0].cells.includes('151.4(20)'), 'the last sampled makespan and its samples');
    // Nothing the devices sent became markup: no script ran and only the page's own script exists.
    assert.equal(await page.evaluate(() => typeof window.__pwned), 'undefined');
    assert.equal(await page.locator('script').count(), 1);
    assert.equal(await page.locator('#devices img').count(), 0);

    // The chart: one point per round with a value; the train series breaks at its null.
    const series = await page.$$eval('#chart path.series', (paths) =>
      paths.map((p) => ({
        key: p.getAttribute('data-series'),
        points: Number(p.getAttribute('data-points')),
        d: p.getAttribute('d') ?? '',
      })),
    );
    const byKey = new Map(series.map((s) => [s.key, s]));
    assert.deepEqual([...byKey.keys()], ['test', 'train', 'inner']);
    const commands = (d: string, c: string) => d.split(' ').filter((t) => t === c).length;
    assert.equal(byKey.get('test')!.points, 4);
    assert.equal(commands(byKey.get('test')!.d, 'M'), 1);
    assert.equal(commands(byKey.get('test')!.d, 'L'), 3);
    assert.equal(byKey.get('train')!.points, 3);
    assert.equal(commands(byKey.get('train')!.d, 'M'), 2);
    assert.deepEqual(
      await page.$$eval('#chart line.reference', (ls) => ls.map((l) => l.getAttribute('data-series'))),
      ['heft', 'greedy', 'optimal'],
    );
    assert.ok((await page.locator('#chart text.axis-title').count()) === 2, 'axis labels');

    // The Gantt image: loaded and decoded.
    await page.waitForFunction(
      () => {
        const img = document.querySelector('#gantt');
        return img !== null && img.complete === true && (img.naturalWidth ?? 0) > 0 && img.hidden !== true;
      },
      undefined,
      { timeout: 5000 },
    );
    assert.match((await page.getAttribute('#gantt', 'src')) ?? '', /^\/api\/gantt\.svg\?round=5/);
    assert.equal(await page.isVisible('#gantt-placeholder'), false);

    assert.equal(await page.locator('#history tbody tr[data-round]').count(), 4);
    assert.equal(await page.getAttribute('#conn', 'class'), 'conn ok');
    if (process.env.MRLCO_PAGE_SCREENSHOT) {
      await page.screenshot({ path: process.env.MRLCO_PAGE_SCREENSHOT, fullPage: true });
    }
  });

  test('follows the source: a new round appears after the next poll', async () => {
    const page = ready();
    source.state.history.push(round(5, 153.1, 149.9));
    source.state.round = { ...source.state.round, number: 6, selected: ['phone-7'], reported: [] };
    source.state.service.modelVersion = 5;
    source.state.devices[1] = device('phone-7', { lastRound: 5, lastOutcome: 'late', failures: 3 });
    source.gantt = undefined; // no plan yet for the new model: the page shows its placeholder

    await page.waitForFunction(
      () =>
        document.querySelector('#chart path.series[data-series="test"]')?.getAttribute('data-points') === '5',
      undefined,
      { timeout: 5000 },
    );
    assert.equal(await page.textContent('#round'), '6of 20');
    assert.equal(await page.locator('#history tbody tr[data-round]').count(), 5);
    assert.match((await page.textContent('#devices tr[data-device="phone-7"]')) ?? '', /late/);
    await page.waitForSelector('#gantt-placeholder', { state: 'visible', timeout: 3000 });
    assert.equal(await page.isVisible('#gantt'), false);

    assert.deepEqual(pageErrors, [], 'no script errors');
    assert.deepEqual(foreignRequests, [], 'no requests beyond the service');
  });
});
