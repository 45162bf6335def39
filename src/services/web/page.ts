/**
 * The status page of `mrlco serve`: one HTML document with its CSS and script inline, so that it works
 * on a closed network (no CDN, no framework, no fonts to fetch). The script polls /api/status and draws
 * everything with DOM calls; data only ever reaches the page through textContent and setAttribute, never
 * innerHTML, because device names and refusal reasons come from the devices and are untrusted.
 *
 * The script is a plain string (the compiler's lib has no DOM types); test/web-page.test.ts runs it in
 * Chromium. Inside the String.raw template below: no backticks and no dollar-brace sequences.
 */
import { createHash } from 'node:crypto';

const STYLE = String.raw`
:root {
  color-scheme: light;
  --fg: #1a1a1a; --muted: #6b6b6b; --line: #e3e3e3; --bg: #f6f7f9; --card: #ffffff;
  --ok: #2e7d32; --warn: #a15c00; --bad: #c62828; --idle: #a0a0a0;
}
* { box-sizing: border-box; }
[hidden] { display: none !important; }
body {
  margin: 0; color: var(--fg); background: var(--bg);
  font: 14px/1.45 system-ui, -apple-system, "Segoe UI", "DejaVu Sans", Helvetica, Arial, sans-serif;
}
main { max-width: 1120px; margin: 0 auto; padding: 20px 20px 32px; }
h1 { font-size: 20px; margin: 0 0 12px; font-weight: 600; }
h1 .muted { font-weight: 400; }
h2 { font-size: 15px; margin: 0 0 10px; font-weight: 600; }
h2 .muted { font-weight: 400; font-size: 13px; }
.muted { color: var(--muted); }
.summary { display: flex; flex-wrap: wrap; gap: 10px; }
.stat { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 8px 14px; min-width: 130px; }
.stat .label { display: block; font-size: 11px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); }
.stat .value { font-size: 17px; font-weight: 600; font-variant-numeric: tabular-nums; }
.stat .sub { font-size: 12px; font-weight: 400; color: var(--muted); margin-left: 4px; }
.meta { margin: 10px 2px 0; color: var(--muted); font-size: 13px; display: flex; justify-content: space-between; flex-wrap: wrap; gap: 8px; }
.conn.error { color: var(--bad); font-weight: 600; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px; margin-top: 16px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 6px 9px; border-bottom: 1px solid var(--line); white-space: nowrap; }
th { font-weight: 600; color: var(--muted); font-size: 12px; }
th.num, td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.name { font-weight: 500; max-width: 230px; overflow: hidden; text-overflow: ellipsis; }
td.reason { white-space: normal; min-width: 140px; max-width: 260px; overflow-wrap: anywhere; color: var(--muted); }
tbody tr:hover { background: #f5f8fc; }
tr.empty td { color: var(--muted); font-style: italic; text-align: center; }
tr.revoked td.name .n { text-decoration: line-through; color: var(--muted); }
.dot { display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 8px; background: var(--idle); vertical-align: 1px; }
.dot.online { background: var(--ok); }
.dot.revoked { background: var(--bad); }
.tag { font-size: 11px; color: var(--muted); margin-left: 6px; font-weight: 400; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; background: #eeeeee; color: #444444; }
.badge.open, .badge.accepted, .badge.reported { background: #e3f3e5; color: var(--ok); }
.badge.waiting, .badge.late, .badge.selected { background: #fff1db; color: var(--warn); }
.badge.rejected { background: #fde4e4; color: var(--bad); }
.badge.finished { background: #e6eef7; color: #2f4b6b; }
#chart { display: block; }
#chart text { font-size: 11px; fill: #444444; }
#chart text.axis-title { font-size: 12px; fill: #1a1a1a; }
#chart text.empty { font-size: 13px; fill: #6b6b6b; font-style: italic; }
.legend { list-style: none; padding: 0; margin: 6px 0 0; display: flex; flex-wrap: wrap; gap: 6px 20px; font-size: 13px; }
.legend li { display: flex; align-items: center; gap: 6px; }
.legend .value { color: var(--muted); font-variant-numeric: tabular-nums; }
.gantt-box { overflow-x: auto; }
#gantt { display: block; max-width: 100%; height: auto; }
.placeholder { color: var(--muted); font-style: italic; margin: 6px 0; }
footer { margin-top: 14px; color: var(--muted); font-size: 12px; }
`;

const SCRIPT = String.raw`
(() => {
  'use strict';
  const POLL_MS = 2000;
  const SVG_NS = 'http://www.w3.org/2000/svg';
  // Colours of the report figures (Tableau 10), references dashed as in Figs. 6-8.
  const SERIES = [
    { key: 'test', field: 'testMakespanMs', label: 'meta policy, held-out tasks', color: '#4e79a7' },
    { key: 'train', field: 'trainMakespanMs', label: 'meta policy, training tasks', color: '#f28e2b' },
    { key: 'inner', field: 'innerSampledMakespanMs', label: 'devices, sampled (inner loop)', color: '#59a14f' },
  ];
  const REFS = [
    { key: 'heft', field: 'heftMs', label: 'HEFT', color: '#e15759', dash: '8 5' },
    { key: 'greedy', field: 'greedyMs', label: 'Greedy', color: '#b07aa1', dash: '8 5' },
    { key: 'optimal', field: 'optimalMs', label: 'Optimal', color: '#555555', dash: '2 4' },
  ];
  const $ = (id) => document.getElementById(id);
  let last = null; // the last status drawn: the chart is redrawn from it on resize
  let skewMs = 0; // server clock minus ours, from the Date header, for countdowns
  let ganttKey = null;

  // --- formatting -------------------------------------------------------------------------------------
  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
  const fmtMs = (v) => (isNum(v) ? v.toFixed(1) : '—');
  const now = () => Date.now() + skewMs;
  function fmtBytes(n) {
    if (!isNum(n)) return '—';
    const units = ['B', 'kB', 'MB', 'GB', 'TB'];
    let k = 0;
    while (Math.abs(n) >= 1000 && k < units.length - 1) { n /= 1000; k++; }
    return (k === 0 ? String(Math.round(n)) : n.toFixed(n < 10 ? 2 : 1)) + ' ' + units[k];
  }
  function fmtDuration(s) {
    s = Math.abs(s);
    if (s < 90) return Math.round(s) + ' s';
    if (s < 5400) return Math.round(s / 60) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return Math.round(s / 86400) + ' d';
  }
  function ago(iso) {
    if (!iso) return 'never';
    const t = Date.parse(iso);
    if (!isNum(t)) return String(iso);
    const d = (now() - t) / 1000;
    return d < 1 ? 'just now' : fmtDuration(d) + ' ago';
  }
  function when(iso) {
    const t = Date.parse(iso);
    if (!isNum(t)) return { at: String(iso), rel: '' };
    const d = new Date(t);
    const at = [d.getHours(), d.getMinutes(), d.getSeconds()].map((v) => String(v).padStart(2, '0')).join(':');
    const s = (t - now()) / 1000;
    return { at, rel: s >= 0 ? 'in ' + fmtDuration(s) : fmtDuration(s) + ' ago' };
  }

  // --- DOM helpers: text only ever goes through textContent -------------------------------------------
  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function td(text, cls) { return el('td', text, cls); }
  function svg(tag, attrs, parent) {
    const e = document.createElementNS(SVG_NS, tag);
    for (const k of Object.keys(attrs)) e.setAttribute(k, String(attrs[k]));
    if (parent) parent.appendChild(e);
    return e;
  }
  function svgText(parent, x, y, text, attrs) {
    const t = svg('text', Object.assign({ x, y }, attrs || {}), parent);
    t.textContent = text;
    return t;
  }
  function setStat(id, main, sub) {
    const e = $(id);
    e.replaceChildren(document.createTextNode(main));
    if (sub) e.appendChild(el('span', sub, 'sub'));
  }

  // --- header -----------------------------------------------------------------------------------------
  function renderHeader(s) {
    const r = s.round || {};
    setStat('round', String(r.number), isNum(s.totalRounds) ? 'of ' + s.totalRounds : '');
    const state = $('state');
    state.textContent = r.state || '—';
    state.className = 'badge ' + (r.state || '');
    if (r.state === 'waiting' && r.opensWhen) {
      $('deadline-label').textContent = 'Opens';
      const w = when(r.opensWhen);
      setStat('deadline', w.at, w.rel);
    } else {
      $('deadline-label').textContent = 'Deadline';
      if (r.deadline) { const w = when(r.deadline); setStat('deadline', w.at, w.rel); }
      else setStat('deadline', '—');
    }
    const selected = (r.selected || []).length;
    setStat('reported', String((r.reported || []).length), 'of ' + selected + ' selected');
    const svc = s.service || {};
    setStat('model', 'v' + svc.modelVersion);
    $('service').textContent =
      'listening on ' + svc.listen + ' · seed ' + svc.seed + ' · up ' + ago(svc.startedAt).replace(/ ago$/, '');
    document.title = 'Round ' + r.number + ' (' + (r.state || '?') + ') · mrlco serve';
  }

  // --- devices ----------------------------------------------------------------------------------------
  function renderDevices(s) {
    const devices = s.devices || [];
    const selected = new Set((s.round && s.round.selected) || []);
    const reported = new Set((s.round && s.round.reported) || []);
    const online = devices.filter((d) => d.online && !d.revoked).length;
    $('device-count').textContent = devices.length + ' registered, ' + online + ' online';
    const body = $('devices').tBodies[0];
    const rows = [];
    for (const d of devices) {
      const tr = el('tr', null, d.revoked ? 'revoked' : '');
      tr.setAttribute('data-device', d.name);
      const name = td(null, 'name');
      const dot = el('span', null, 'dot ' + (d.revoked ? 'revoked' : d.online ? 'online' : 'offline'));
      dot.title = d.revoked ? 'revoked' : d.online ? 'online' : 'offline';
      name.append(dot, el('span', d.name, 'n'));
      if (d.revoked) name.appendChild(el('span', 'revoked', 'tag'));
      name.title = d.name;
      const thisRound = td();
      if (reported.has(d.name)) thisRound.appendChild(el('span', 'reported', 'badge reported'));
      else if (selected.has(d.name)) thisRound.appendChild(el('span', 'selected', 'badge selected'));
      else thisRound.textContent = '—';
      const lastReport = td();
      if (d.lastOutcome) {
        lastReport.appendChild(el('span', d.lastOutcome, 'badge ' + d.lastOutcome));
        if (isNum(d.lastRound)) lastReport.appendChild(el('span', 'round ' + d.lastRound, 'tag'));
      } else lastReport.textContent = '—';
      const sampled = td(fmtMs(d.lastSampledMakespanMs), 'num');
      if (isNum(d.lastSamples)) sampled.appendChild(el('span', '(' + d.lastSamples + ')', 'tag'));
      tr.append(
        name,
        thisRound,
        td(d.selections, 'num'),
        td(d.accepted, 'num'),
        td(d.failures, 'num'),
        lastReport,
        td(d.lastReason || '', 'reason'),
        sampled,
        td(ago(d.lastSeen)),
      );
      rows.push(tr);
    }
    if (rows.length === 0) rows.push(emptyRow(9, 'No devices have registered yet.'));
    body.replaceChildren(...rows);
  }
  function emptyRow(span, text) {
    const tr = el('tr', null, 'empty');
    const cell = td(text);
    cell.colSpan = span;
    tr.appendChild(cell);
    return tr;
  }

  // --- chart ------------------------------------------------------------------------------------------
  function niceStep(raw) {
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const r = raw / mag;
    return (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10) * mag;
  }
  /** A padded range with round ends and about target ticks; never below 0 for non-negative data. */
  function niceRange(lo, hi, target) {
    const floor = lo >= 0 ? 0 : -Infinity;
    let span = hi - lo;
    if (!(span > 0)) span = Math.abs(hi) * 0.1 || 1;
    lo = Math.max(floor, lo - span * 0.08);
    hi = hi + span * 0.08;
    const step = niceStep((hi - lo) / target);
    const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    lo = Math.floor(lo / step + 1e-9) * step;
    hi = Math.ceil(hi / step - 1e-9) * step;
    const ticks = [];
    for (let v = lo; v <= hi + step * 1e-6; v += step) ticks.push(Number(v.toFixed(decimals)));
    return { lo, hi, ticks, decimals };
  }

  function drawChart(s) {
    const box = $('chart-box');
    const W = Math.max(320, Math.floor(box.clientWidth || 720));
    const H = 300;
    const m = { l: 62, r: 18, t: 12, b: 46 };
    const x0 = m.l, x1 = W - m.r, y0 = m.t, y1 = H - m.b;
    const root = svg('svg', {
      id: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H,
      role: 'img', 'aria-label': 'Mean makespan over rounds',
    });
    const history = (s.history || []).filter((h) => isNum(h.round)).slice().sort((a, b) => a.round - b.round);
    const refsIn = s.references || {};
    const refs = REFS.filter((r) => isNum(refsIn[r.field])).map((r) => Object.assign({ value: refsIn[r.field] }, r));
    const ys = refs.map((r) => r.value);
    for (const h of history) for (const se of SERIES) if (isNum(h[se.field])) ys.push(h[se.field]);

    svg('rect', { x: x0, y: y0, width: x1 - x0, height: y1 - y0, fill: '#fcfcfd', stroke: '#e3e3e3' }, root);
    svgText(root, (x0 + x1) / 2, H - 8, 'round', { 'text-anchor': 'middle', class: 'axis-title' });
    svgText(root, 14, (y0 + y1) / 2, 'mean makespan (ms)', {
      'text-anchor': 'middle', class: 'axis-title', transform: 'rotate(-90 14 ' + (y0 + y1) / 2 + ')',
    });

    const rounds = history.map((h) => h.round);
    let xlo = rounds.length ? rounds[0] : 0;
    let xhi = rounds.length ? rounds[rounds.length - 1] : 1;
    if (xhi - xlo < 2) { xlo -= 1; xhi += 1; } // one or two rounds: keep them off the frame
    const xPad = (xhi - xlo) * 0.02; // markers clear of the axes
    xlo -= xPad;
    xhi += xPad;
    const sx = (x) => x0 + ((x - xlo) / (xhi - xlo)) * (x1 - x0);
    const xStep = Math.max(1, niceStep((xhi - xlo) / Math.max(2, Math.floor((x1 - x0) / 70))));
    // Round ticks only where there are rounds, and never negative ones.
    const xFirst = rounds.length ? Math.max(0, Math.ceil(xlo / xStep) * xStep) : Infinity;
    for (let v = xFirst; v <= xhi + 1e-9; v += xStep) {
      svg('line', { x1: sx(v), y1: y1, x2: sx(v), y2: y1 + 5, stroke: '#333333' }, root);
      svgText(root, sx(v), y1 + 18, String(Math.round(v)), { 'text-anchor': 'middle' });
    }

    const legend = [];
    if (ys.length === 0) {
      svgText(root, (x0 + x1) / 2, (y0 + y1) / 2, 'No evaluated rounds yet', { 'text-anchor': 'middle', class: 'empty' });
    } else {
      const yr = niceRange(Math.min(...ys), Math.max(...ys), 5);
      const sy = (y) => y1 - ((y - yr.lo) / (yr.hi - yr.lo)) * (y1 - y0);
      for (const v of yr.ticks) {
        svg('line', { x1: x0, y1: sy(v), x2: x1, y2: sy(v), stroke: '#e8e8e8' }, root);
        svgText(root, x0 - 8, sy(v) + 4, v.toFixed(yr.decimals), { 'text-anchor': 'end' });
      }
      for (const r of refs) {
        const line = svg('line', {
          class: 'reference', 'data-series': r.key, x1: x0, y1: sy(r.value), x2: x1, y2: sy(r.value),
          stroke: r.color, 'stroke-width': 1.5, 'stroke-dasharray': r.dash,
        }, root);
        svg('title', {}, line).textContent = r.label + ': ' + fmtMs(r.value) + ' ms';
      }
      for (const se of SERIES) {
        // Nulls break the line: each run of numbers is its own subpath.
        let d = '';
        let pen = false;
        const pts = [];
        for (const h of history) {
          const v = h[se.field];
          if (!isNum(v)) { pen = false; continue; }
          d += (pen ? ' L ' : (d ? ' M ' : 'M ')) + sx(h.round).toFixed(1) + ' ' + sy(v).toFixed(1);
          pen = true;
          pts.push([h.round, v]);
        }
        svg('path', {
          class: 'series', 'data-series': se.key, 'data-points': pts.length, d,
          fill: 'none', stroke: se.color, 'stroke-width': 2, 'stroke-linejoin': 'round',
        }, root);
        if (pts.length <= 80) {
          for (const [x, y] of pts) {
            const c = svg('circle', { class: 'marker', 'data-series': se.key, cx: sx(x), cy: sy(y), r: 3.2, fill: se.color }, root);
            svg('title', {}, c).textContent = se.label + ', round ' + x + ': ' + fmtMs(y) + ' ms';
          }
        }
        // The path is there even when empty (data-points 0); the legend names only series with data.
        const lastPt = pts[pts.length - 1];
        if (lastPt) legend.push({ color: se.color, label: se.label, value: fmtMs(lastPt[1]) + ' ms (round ' + lastPt[0] + ')' });
      }
      for (const r of refs) legend.push({ color: r.color, dash: r.dash, label: r.label, value: fmtMs(r.value) + ' ms' });
    }
    svg('line', { x1: x0, y1: y1, x2: x1, y2: y1, stroke: '#333333' }, root);
    svg('line', { x1: x0, y1: y0, x2: x0, y2: y1, stroke: '#333333' }, root);
    const old = $('chart');
    if (old) old.replaceWith(root); else box.appendChild(root);

    $('legend').replaceChildren(...legend.map((item) => {
      const li = el('li');
      const sw = svg('svg', { width: 28, height: 10, 'aria-hidden': 'true' });
      svg('line', Object.assign({ x1: 1, y1: 5, x2: 27, y2: 5, stroke: item.color, 'stroke-width': 2 },
        item.dash ? { 'stroke-dasharray': item.dash } : {}), sw);
      li.append(sw, el('span', item.label), el('span', item.value, 'value'));
      return li;
    }));
  }

  // --- Gantt chart: reloaded when the round or the model changes --------------------------------------
  function renderGantt(s) {
    const key = 'round=' + s.round.number + '&v=' + (s.service ? s.service.modelVersion : 0);
    if (key === ganttKey) return;
    ganttKey = key;
    $('gantt').src = '/api/gantt.svg?' + key;
  }
  function initGantt() {
    const img = $('gantt');
    img.addEventListener('load', () => { img.hidden = false; $('gantt-placeholder').hidden = true; });
    img.addEventListener('error', () => { img.hidden = true; $('gantt-placeholder').hidden = false; });
  }

  // --- round history ----------------------------------------------------------------------------------
  function renderHistory(s) {
    const history = (s.history || []).slice().sort((a, b) => b.round - a.round).slice(0, 100);
    const rows = history.map((h) => {
      const tr = el('tr');
      tr.setAttribute('data-round', h.round);
      tr.append(
        td(h.round, 'num'), td(h.closedBy), td(h.selected, 'num'), td(h.accepted, 'num'),
        td(h.rejected, 'num'), td(h.missed, 'num'), td(isNum(h.wallS) ? h.wallS.toFixed(1) : '—', 'num'),
        td(fmtBytes(h.bytesIn), 'num'), td(fmtBytes(h.bytesOut), 'num'),
        td(fmtMs(h.innerSampledMakespanMs), 'num'), td(fmtMs(h.trainMakespanMs), 'num'),
        td(fmtMs(h.testMakespanMs), 'num'),
      );
      return tr;
    });
    if (rows.length === 0) rows.push(emptyRow(12, 'No round has finished yet.'));
    $('history').tBodies[0].replaceChildren(...rows);
  }

  // --- polling ----------------------------------------------------------------------------------------
  function setConn(ok, text) {
    const c = $('conn');
    c.textContent = text;
    c.className = 'conn ' + (ok ? 'ok' : 'error');
  }
  function render(s) {
    renderHeader(s);
    renderDevices(s);
    drawChart(s);
    renderGantt(s);
    renderHistory(s);
  }
  async function poll() {
    let s;
    try {
      const res = await fetch('/api/status', { cache: 'no-store' });
      if (!res.ok) throw new Error('HTTP ' + res.status);
      const date = Date.parse(res.headers.get('Date') || '');
      // The Date header has 1 s resolution: correct only real skew, not its rounding.
      if (isNum(date) && Math.abs(date - Date.now()) > 2000) skewMs = date - Date.now();
      s = await res.json();
    } catch (e) {
      setConn(false, 'Cannot reach the service (' + (e && e.message ? e.message : e) + '); retrying');
      setTimeout(poll, POLL_MS);
      return;
    }
    try {
      last = s;
      render(s);
      setConn(true, 'Updated ' + when(new Date().toISOString()).at);
    } catch (e) {
      setConn(false, 'Cannot show the status: ' + (e && e.message ? e.message : e));
    }
    setTimeout(poll, POLL_MS);
  }
  let resizePending = false;
  window.addEventListener('resize', () => {
    if (resizePending || !last) return;
    resizePending = true;
    requestAnimationFrame(() => { resizePending = false; try { drawChart(last); } catch (e) { /* next poll reports it */ } });
  });
  initGantt();
  poll();
})();
`;

const BODY = `
<main>
  <header>
    <h1>mrlco serve <span class="muted">· federated meta-training</span></h1>
    <div class="summary">
      <div class="stat"><span class="label">Round</span><span class="value" id="round">—</span></div>
      <div class="stat"><span class="label">State</span><span class="value"><span id="state" class="badge">—</span></span></div>
      <div class="stat"><span class="label" id="deadline-label">Deadline</span><span class="value" id="deadline">—</span></div>
      <div class="stat"><span class="label">Reports</span><span class="value" id="reported">—</span></div>
      <div class="stat"><span class="label">Model</span><span class="value" id="model">—</span></div>
    </div>
    <div class="meta"><span id="service"></span><span id="conn" class="conn">Loading…</span></div>
  </header>
  <section>
    <h2>Devices <span class="muted" id="device-count"></span></h2>
    <div class="scroll">
      <table id="devices">
        <thead><tr>
          <th>Device</th><th>This round</th><th class="num">Picked</th><th class="num">Accepted</th>
          <th class="num">Failures</th><th>Last report</th><th>Reason</th>
          <th class="num" title="Mean makespan of the device's sampled plans in its last report">Sampled (ms)</th><th>Last seen</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <section>
    <h2>Meta policy: mean makespan over rounds <span class="muted">(argmax plans, held-out tasks)</span></h2>
    <div id="chart-box"></div>
    <ul class="legend" id="legend"></ul>
  </section>
  <section>
    <h2>Schedule of a held-out DAG <span class="muted">(current meta policy)</span></h2>
    <div class="gantt-box">
      <img id="gantt" alt="Gantt chart of a held-out DAG under the current meta policy" hidden>
      <p class="placeholder" id="gantt-placeholder">No schedule yet.</p>
    </div>
  </section>
  <section>
    <h2>Rounds</h2>
    <div class="scroll">
      <table id="history">
        <thead><tr>
          <th class="num">Round</th><th>Closed by</th><th class="num">Selected</th><th class="num">Accepted</th>
          <th class="num">Rejected</th><th class="num">Missed</th><th class="num">Wall (s)</th>
          <th class="num">Bytes in</th><th class="num">Bytes out</th><th class="num">Inner sampled (ms)</th>
          <th class="num">Train (ms)</th><th class="num">Test (ms)</th>
        </tr></thead>
        <tbody></tbody>
      </table>
    </div>
  </section>
  <footer>Refreshes every 2 s from <a href="/api/status">/api/status</a>.</footer>
</main>`;

function sha256(text: string): string {
  return `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;
}

/** The page: complete, with no external resources. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>mrlco serve</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>${BODY}
<script>${SCRIPT}</script>
</body>
</html>
`;

/**
 * Content-Security-Policy of the page: only its own inline script and style (by hash) and same-origin
 * requests. Defence in depth: even markup that slipped into the DOM could not run a script or load
 * anything from elsewhere.
 */
export const STATUS_PAGE_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
