// dial9 report: draws the data embedded in this page (no network, no libraries).
'use strict';
(function () {
  const t_start = performance.now();
  const errors = [];
  window.addEventListener('error', (e) => errors.push(String(e.message)));
  window.addEventListener('unhandledrejection', (e) => errors.push(String(e.reason)));
  const consoleError = console.error;
  console.error = function (...args) { errors.push(args.join(' ')); consoleError.apply(console, args); };

  const D = JSON.parse(document.getElementById('dial9-data').textContent);
  const $ = (id) => document.getElementById(id);
  const M = D.meta, P = D.polls, T = D.tasks, S = D.series, WK = D.wakes, OV = D.overview;
  const SPAN = Math.max(1, M.window_ns);
  const LONG = M.long_poll_ns;
  const NL = D.lanes.length;
  // lanes named as the dump names their threads need a wider gutter
  const GUTTER = D.lanes.some((l) => l.thread_name) ? 150 : 96, AXIS = 24, RIGHT = 10;
  const dpr = window.devicePixelRatio || 1;

  // ---- formatting --------------------------------------------------------
  function fmtDur(ns) {
    if (ns < 1e3) return Math.round(ns) + ' ns';
    if (ns < 1e6) return (ns / 1e3).toFixed(1) + ' µs';
    if (ns < 1e9) return (ns / 1e6).toFixed(2) + ' ms';
    return (ns / 1e9).toFixed(3) + ' s';
  }
  const fmtT = (ns) => '+' + fmtDur(ns);
  // ≤: an upper bound (the poll's return was not seen: it ends at the worker's next poll or park)
  const fmtBound = (ns, bound) => (bound ? '≤' : '') + fmtDur(ns);
  // What the recording cannot vouch for: M.unknown[figure] = why (absent when known)
  const UNK = M.unknown || {};
  const known = (fig) => !UNK[fig];
  const orQ = (fig, s) => (known(fig) ? s : '?');
  const fmtN = (n) => n.toLocaleString('en-US');
  const esc = (s) => String(s).replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
  const str = (i) => (i > 0 && i < D.strings.length ? D.strings[i] : '');

  // ---- lookups -----------------------------------------------------------
  const taskRow = new Map();
  T.id.forEach((id, i) => taskRow.set(id, i));
  const taskLoc = (id) => { const i = taskRow.get(id); return i === undefined ? '' : str(T.loc[i]); };
  const taskLocId = (id) => { const i = taskRow.get(id); return i === undefined ? 0 : T.loc[i]; };

  function hue(n) { return (Math.imul((n % 2147483647) | 0, 2654435761) >>> 0) % 360; }
  function colour(task, loc, alpha) {
    const k = state.colorBy === 'loc' ? (loc || taskLocId(task)) * 7 + 3 : task;
    return 'hsla(' + hue(k) + ',62%,' + (state.colorBy === 'loc' ? 50 : 55) + '%,' + alpha + ')';
  }

  // first index in [lo, hi) with arr[i] >= v
  function lb(arr, lo, hi, v) {
    while (lo < hi) { const m = (lo + hi) >> 1; if (arr[m] < v) lo = m + 1; else hi = m; }
    return lo;
  }

  // polls are sorted by lane, then start
  const laneFrom = new Array(NL + 1).fill(0), laneMaxDur = new Array(NL).fill(0);
  (function () {
    let l = 0;
    for (let i = 0; i < P.lane.length; i++) {
      while (l < P.lane[i]) laneFrom[++l] = i;
      if (P.dur[i] > laneMaxDur[P.lane[i]]) laneMaxDur[P.lane[i]] = P.dur[i];
    }
    while (l < NL) laneFrom[++l] = P.lane.length;
  })();
  const DW = P.detail_windows;
  function isDetail(t) {
    if (P.all) return true;
    let lo = 0, hi = DW.length;
    while (lo < hi) { const m = (lo + hi) >> 1; if (DW[m][1] <= t) lo = m + 1; else hi = m; }
    return lo < DW.length && DW[lo][0] <= t;
  }

  // ---- state --------------------------------------------------------------
  const state = { t0: 0, t1: SPAN, sel: null, colorBy: 'task', links: false, sortKey: 'total',
                  sortDir: -1, filter: '', highlight: null, drag: null, hover: null };

  function setupCanvas(c, cssH) {
    const w = c.clientWidth || c.parentNode.clientWidth || 1200;
    c.style.height = cssH + 'px';
    c.width = Math.round(w * dpr);
    c.height = Math.round(cssH * dpr);
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return { c, ctx, w, h: cssH };
  }
  const laneH = NL ? Math.max(16, Math.min(30, Math.floor(420 / NL))) : 30;
  const laneY = (l) => AXIS + 6 + l * laneH;
  let tl, charts;
  function layout() {
    tl = setupCanvas($('timeline'), AXIS + 12 + Math.max(1, NL) * laneH);
    charts = [setupCanvas($('chart-queue'), 92), setupCanvas($('chart-lat'), 92),
              setupCanvas($('chart-polls'), 92)];
  }
  const plotW = (g) => g.w - GUTTER - RIGHT;
  const xOf = (g, t) => GUTTER + (t - state.t0) * plotW(g) / (state.t1 - state.t0);
  const tOf = (g, x) => state.t0 + (x - GUTTER) * (state.t1 - state.t0) / plotW(g);

  // ---- shared chart pieces -------------------------------------------------
  function niceStep(raw) {
    const p = Math.pow(10, Math.floor(Math.log10(raw))), f = raw / p;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * p;
  }
  function drawAxis(g) {
    const { ctx } = g, step = niceStep((state.t1 - state.t0) / Math.max(2, plotW(g) / 110));
    ctx.fillStyle = '#6b7385'; ctx.strokeStyle = '#e2e5ea'; ctx.font = '11px system-ui, sans-serif';
    ctx.textBaseline = 'middle';
    for (let t = Math.ceil(state.t0 / step) * step; t <= state.t1; t += step) {
      const x = Math.round(xOf(g, t)) + 0.5;
      ctx.beginPath(); ctx.moveTo(x, AXIS - 4); ctx.lineTo(x, g.h); ctx.stroke();
      ctx.fillText(fmtT(t), x + 3, AXIS / 2 - 2);
    }
  }
  const SHADE = { sampled: 'rgba(229,154,22,0.13)', off: 'rgba(90,90,90,0.16)',
                  lost: 'rgba(208,49,45,0.22)', unknown: 'rgba(90,90,90,0.1)' };
  function drawShade(g, y0, y1) {
    const { ctx } = g;
    for (const s of D.shade) {
      if (s.end < state.t0 || s.start > state.t1) continue;
      const x0 = Math.max(GUTTER, xOf(g, s.start)), x1 = Math.min(g.w - RIGHT, xOf(g, s.end));
      ctx.fillStyle = SHADE[s.kind] || SHADE.unknown;
      ctx.fillRect(x0, y0, Math.max(2, x1 - x0), y1 - y0);
    }
  }
  function drawMarkerLines(g, y0, y1, labels) {
    const { ctx } = g;
    for (const m of D.markers) {
      if (m.kind === 'stall' || m.t < state.t0 || m.t > state.t1) continue;
      const x = Math.round(xOf(g, m.t)) + 0.5;
      ctx.strokeStyle = m.kind === 'panic' || m.kind === 'oom kill' ? '#d0312d' : m.kind === 'signal' ? '#8a3ab9' :
        m.kind === 'trigger' ? '#d97706' : '#1d2330';
      ctx.lineWidth = 1.5; ctx.setLineDash([4, 3]);
      ctx.beginPath(); ctx.moveTo(x, y0); ctx.lineTo(x, y1); ctx.stroke();
      ctx.setLineDash([]); ctx.lineWidth = 1;
      if (labels) {
        ctx.fillStyle = ctx.strokeStyle; ctx.font = 'bold 11px system-ui, sans-serif';
        ctx.fillText(m.kind === 'signal' ? 'signal ' + m.signal : m.kind === 'trigger' ? 'trigger: ' + m.metric + ' ' + m.value :
          m.kind, x + 3, y0 + 8);
      }
    }
  }

  // A thread as the dump names it, "tokio-runtime-w (4250)"; a dump without
  // a thread table (before version 4) gives the bare "tid 4250".
  function threadName(tid, name) { return name ? name + ' (' + tid + ')' : 'tid ' + tid; }
  function laneName(ln) { return threadName(ln.tid, ln.thread_name) + (ln.thread_role ? ', ' + ln.thread_role : ''); }
  // text cut to width px with an ellipsis
  function fitText(ctx, text, width) {
    if (ctx.measureText(text).width <= width) return text;
    while (text.length > 1 && ctx.measureText(text + '…').width > width) text = text.slice(0, -1);
    return text + '…';
  }

  // ---- timeline ------------------------------------------------------------
  function drawTimeline() {
    const g = tl, { ctx, w, h } = g;
    ctx.clearRect(0, 0, w, h);
    ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    for (let l = 0; l < NL; l++) {
      const y = laneY(l), ln = D.lanes[l];
      ctx.fillStyle = l % 2 ? '#f7f8fa' : '#ffffff';
      ctx.fillRect(GUTTER, y, w - GUTTER - RIGHT, laneH);
      ctx.fillStyle = ln.tid === M.reason_tid ? '#d0312d' : '#1d2330';
      ctx.fillText(fitText(ctx, threadName(ln.tid, ln.thread_name), GUTTER - 22) +
        (ln.tid === M.reason_tid ? ' ⚠' : ''), 6, y + laneH / 2);
    }
    if (!NL) { ctx.fillStyle = '#6b7385'; ctx.fillText('no polls recorded', GUTTER + 8, AXIS + 18); }
    drawAxis(g);
    drawShade(g, AXIS, h);
    // where polls are drawn one by one
    if (!P.all) {
      ctx.fillStyle = '#cfd5de'; ctx.fillRect(GUTTER, AXIS - 3, plotW(g), 3);
      ctx.fillStyle = '#3aa357';
      for (const [s, e] of DW) {
        if (e < state.t0 || s > state.t1) continue;
        const x0 = Math.max(GUTTER, xOf(g, s)), x1 = Math.min(w - RIGHT, xOf(g, e));
        ctx.fillRect(x0, AXIS - 3, Math.max(1, x1 - x0), 3);
      }
    }
    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, 0, plotW(g), h); ctx.clip();
    drawBuckets(g);
    drawPolls(g);
    drawStalls(g);
    drawLongest(g);
    if (state.links || state.sel !== null) drawLinks(g);
    ctx.restore();
    drawMarkerLines(g, AXIS, h, true);
  }

  function drawBuckets(g) {
    const { ctx } = g, bns = OV.bucket_ns, B = OV.buckets;
    const b0 = Math.max(0, Math.floor(state.t0 / bns)), b1 = Math.min(B - 1, Math.floor(state.t1 / bns));
    for (let l = 0; l < NL; l++) {
      const o = OV.lanes[l], y = laneY(l);
      for (let b = b0; b <= b1; b++) {
        if (!o.busy[b] && !o.max[b]) continue;
        if (isDetail((b + 0.5) * bns)) continue;
        const x0 = xOf(g, b * bns), x1 = xOf(g, (b + 1) * bns);
        const hh = Math.max(2, (laneH - 4) * o.busy[b] / 1000);
        const dim = state.sel !== null && o.task[b] !== state.sel;
        ctx.fillStyle = o.max[b] >= LONG ? 'rgba(208,49,45,' + (dim ? 0.25 : 0.85) + ')'
                                         : colour(o.task[b], 0, dim ? 0.2 : 0.7);
        ctx.fillRect(x0, y + laneH - 2 - hh, Math.max(1, x1 - x0), hh);
      }
    }
  }

  function drawPolls(g) {
    const { ctx } = g, px2t = (state.t1 - state.t0) / plotW(g);
    for (let l = 0; l < NL; l++) {
      const y = laneY(l), end = laneFrom[l + 1];
      let i = lb(P.start, laneFrom[l], end, state.t0 - laneMaxDur[l]);
      let lastPx = -1;
      for (; i < end && P.start[i] <= state.t1; i++) {
        const s = P.start[i], d = P.dur[i];
        if (s + d < state.t0) continue;
        const long = d >= LONG;
        const x0 = xOf(g, s), wpx = d / px2t, px = x0 | 0;
        if (wpx < 1 && px === lastPx && !long) continue;
        lastPx = px;
        const task = P.task[i], sel = state.sel !== null && task === state.sel;
        const dim = state.sel !== null && !sel;
        const hh = long ? laneH - 4 : Math.round((laneH - 4) * 0.62);
        ctx.fillStyle = colour(task, P.loc[i], dim ? 0.18 : 0.9);
        ctx.fillRect(x0, y + laneH - 2 - hh, Math.max(1, wpx), hh);
        if (long && wpx >= 2) {
          ctx.strokeStyle = dim ? 'rgba(208,49,45,0.3)' : '#d0312d'; ctx.lineWidth = 1.5;
          ctx.strokeRect(x0 + 0.75, y + 2.75, wpx - 1.5, laneH - 5.5);
          ctx.lineWidth = 1;
        }
        if (sel && wpx >= 1) {
          ctx.strokeStyle = '#10306e'; ctx.strokeRect(x0, y + laneH - 2 - hh, Math.max(1, wpx), hh);
        }
        if (wpx > 60) {
          ctx.fillStyle = '#fff'; ctx.font = '10px system-ui, sans-serif';
          const label = 'task ' + task + ' ' + fmtBound(d, P.flags[i] & 8);
          ctx.save(); ctx.beginPath(); ctx.rect(x0, y, wpx, laneH); ctx.clip();
          ctx.fillText(label, x0 + 4, y + laneH - 2 - hh / 2); ctx.restore();
        }
      }
    }
  }

  function drawStalls(g) {
    const { ctx } = g;
    for (const m of D.markers) {
      if (m.kind !== 'stall' || m.lane < 0) continue;
      const s = m.t - m.dur;
      if (m.t < state.t0 || s > state.t1) continue;
      const x0 = xOf(g, s), x1 = xOf(g, m.t), y = laneY(m.lane);
      ctx.strokeStyle = '#8a3ab9'; ctx.lineWidth = 2;
      ctx.strokeRect(x0, y + 1, Math.max(2, x1 - x0), laneH - 2); ctx.lineWidth = 1;
    }
  }

  function drawLongest(g) {
    const lp = D.longest[0];
    state.highlight = lp ? { task: lp.task, dur: lp.dur, tid: lp.tid, start: lp.start, visible: false } : null;
    if (!lp || lp.lane < 0 || lp.start > state.t1 || lp.start + lp.dur < state.t0) return;
    const { ctx } = g, y = laneY(lp.lane);
    const x0 = xOf(g, lp.start), x1 = xOf(g, lp.start + lp.dur);
    ctx.strokeStyle = '#d0312d'; ctx.lineWidth = 3;
    ctx.strokeRect(x0 - 2, y + 0.5, Math.max(3, x1 - x0) + 4, laneH - 1);
    ctx.lineWidth = 1;
    const label = 'longest poll: task ' + lp.task + ' · ' + fmtBound(lp.dur, lp.bound);
    ctx.font = 'bold 11px system-ui, sans-serif';
    const tw = ctx.measureText(label).width;
    let lx = Math.max(GUTTER + 2, Math.min(x1 + 6, g.w - RIGHT - tw - 6));
    if (lx < x1 && lx + tw > x0) lx = Math.max(GUTTER + 2, x0 + 4);
    ctx.fillStyle = 'rgba(255,255,255,0.88)'; ctx.fillRect(lx - 2, y + 2, tw + 4, 13);
    ctx.fillStyle = '#d0312d'; ctx.fillText(label, lx, y + 9);
    state.highlight.visible = true;
  }

  function drawLinks(g) {
    const { ctx } = g, span = state.t1 - state.t0;
    let i = state.sel !== null ? 0 : lb(WK.t, 0, WK.t.length, state.t0 - span);
    let drawn = 0;
    for (; i < WK.t.length && drawn < 3000; i++) {
      const t = WK.t[i];
      if (state.sel === null && t > state.t1) break;
      if (state.sel !== null && WK.from[i] !== state.sel && WK.to[i] !== state.sel) continue;
      const t2 = WK.to_start[i];
      if (t2 < state.t0 || t > state.t1) continue;
      const x0 = xOf(g, t), x1 = xOf(g, t2);
      const y0 = WK.lane[i] >= 0 ? laneY(WK.lane[i]) + laneH / 2 : AXIS;
      const y1 = laneY(WK.to_lane[i]) + laneH / 2;
      ctx.strokeStyle = WK.kind[i] === 1 ? 'rgba(47,111,222,0.75)' : 'rgba(58,163,87,0.75)';
      ctx.lineWidth = 1.2;
      ctx.beginPath(); ctx.moveTo(x0, y0);
      const mx = (x0 + x1) / 2;
      ctx.bezierCurveTo(mx, y0, mx, y1, x1, y1); ctx.stroke();
      ctx.fillStyle = ctx.strokeStyle;
      ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x1 - 6, y1 - 3.5); ctx.lineTo(x1 - 6, y1 + 3.5); ctx.fill();
      ctx.beginPath(); ctx.arc(x0, y0, 2.2, 0, 7); ctx.fill();
      drawn++;
    }
    ctx.lineWidth = 1;
  }

  // ---- charts over time ------------------------------------------------------
  const CHARTS = [
    { title: 'runnable tasks (max per interval)', series: [{ v: (k) => S.queue_max[k], c: '#5b6f9e', bar: true }],
      fmt: (v) => String(Math.round(v)), fig: 'queue' },
    { title: 'wake → poll latency', fig: 'queue', series: [
        { v: (k) => (S.lat_n[k] ? S.lat_p50[k] : null), c: '#2f6fde', name: 'p50' },
        { v: (k) => (S.lat_n[k] ? S.lat_p99[k] : null), c: '#e07b00', name: 'p99' }], fmt: fmtDur },
    { title: 'polls per second', series: [{ v: (k) => S.polls[k] * 1e9 / S.interval_ns, c: '#3aa357', bar: true }],
      fmt: (v) => fmtN(Math.round(v)), fig: 'polls' },
  ];
  function drawChart(g, def) {
    const { ctx, w, h } = g, top = 16, bottom = h - 4, ins = S.interval_ns;
    ctx.clearRect(0, 0, w, h);
    ctx.fillStyle = '#fbfcfd'; ctx.fillRect(GUTTER, top, plotW(g), bottom - top);
    if (!known(def.fig)) {
      ctx.fillStyle = '#6b7385'; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
      ctx.fillText(def.title + ': unknown (' + UNK[def.fig] + ')', GUTTER, 7);
      return;
    }
    drawShade(g, top, bottom);
    const k0 = Math.max(0, Math.floor(state.t0 / ins)), k1 = Math.min(S.intervals - 1, Math.floor(state.t1 / ins));
    let max = 0;
    for (const s of def.series) for (let k = k0; k <= k1; k++) { const v = s.v(k); if (v !== null && v > max) max = v; }
    const yOf = (v) => bottom - (max ? v / max : 0) * (bottom - top - 2);
    ctx.save(); ctx.beginPath(); ctx.rect(GUTTER, 0, plotW(g), h); ctx.clip();
    for (const s of def.series) {
      ctx.strokeStyle = s.c; ctx.fillStyle = s.c; ctx.lineWidth = 1.5;
      let pen = false;
      ctx.beginPath();
      for (let k = k0; k <= k1; k++) {
        const v = s.v(k), x0 = xOf(g, k * ins), x1 = xOf(g, (k + 1) * ins);
        if (s.bar) { if (v) ctx.fillRect(x0, yOf(v), Math.max(1, x1 - x0 - (x1 - x0 > 4 ? 1 : 0)), bottom - yOf(v)); continue; }
        if (v === null) { pen = false; continue; }
        if (!pen) ctx.moveTo(x0, yOf(v)); else ctx.lineTo(x0, yOf(v));
        ctx.lineTo(x1, yOf(v)); pen = true;
      }
      if (!s.bar) ctx.stroke();
    }
    ctx.restore();
    drawMarkerLines(g, top, bottom, false);
    ctx.fillStyle = '#1d2330'; ctx.font = '11px system-ui, sans-serif'; ctx.textBaseline = 'middle';
    ctx.fillText(def.title, GUTTER, 7);
    let lx = GUTTER + ctx.measureText(def.title).width + 14;
    for (const s of def.series) if (s.name) {
      ctx.fillStyle = s.c; ctx.fillRect(lx, 3, 10, 8); ctx.fillStyle = '#1d2330';
      ctx.fillText(s.name, lx + 13, 7); lx += 40;
    }
    ctx.fillStyle = '#6b7385'; ctx.textAlign = 'right';
    ctx.fillText(def.fmt(max), GUTTER - 6, top + 4); ctx.fillText('0', GUTTER - 6, bottom - 4);
    ctx.textAlign = 'left';
    if (state.hover !== null && state.hover >= state.t0 && state.hover <= state.t1) {
      const x = Math.round(xOf(g, state.hover)) + 0.5;
      ctx.strokeStyle = 'rgba(0,0,0,0.35)'; ctx.beginPath(); ctx.moveTo(x, top); ctx.lineTo(x, bottom); ctx.stroke();
    }
  }

  function drawAll() {
    drawTimeline();
    charts.forEach((g, i) => drawChart(g, CHARTS[i]));
    $('range').textContent = 'showing ' + fmtT(state.t0) + ' … ' + fmtT(state.t1) +
      ' (' + fmtDur(state.t1 - state.t0) + ')';
  }
  let pending = false;
  function redraw() {
    if (pending) return;
    pending = true;
    requestAnimationFrame(() => { pending = false; drawAll(); });
  }

  // ---- interaction -----------------------------------------------------------
  function setView(t0, t1) {
    let span = Math.min(SPAN, Math.max(1000, t1 - t0));
    t0 = Math.max(0, Math.min(t0, SPAN - span));
    state.t0 = t0; state.t1 = t0 + span;
    redraw();
  }
  function pollAt(x, y) {
    const l = Math.floor((y - laneY(0)) / laneH);
    if (l < 0 || l >= NL || x < GUTTER) return null;
    const t = tOf(tl, x), tol = 3 * (state.t1 - state.t0) / plotW(tl);
    const from = laneFrom[l], end = laneFrom[l + 1];
    let i = lb(P.start, from, end, t + tol + 1) - 1, best = -1;
    for (let n = 0; i >= from && n < 400; i--, n++) {
      if (P.start[i] + P.dur[i] >= t - tol && (best < 0 || P.dur[i] > P.dur[best])) best = i;
      if (P.start[i] + laneMaxDur[l] < t - tol) break;
    }
    if (best >= 0) return { kind: 'poll', i: best, lane: l };
    const b = Math.floor(t / OV.bucket_ns);
    const o = OV.lanes[l];
    if (b >= 0 && b < OV.buckets && (o.busy[b] || o.max[b]) && !isDetail(t))
      return { kind: 'bucket', b, lane: l };
    return null;
  }
  function showTip(ev, text) {
    const tip = $('tooltip');
    if (!text) { tip.hidden = true; return; }
    tip.textContent = text; tip.hidden = false;
    const x = Math.min(ev.clientX + 14, window.innerWidth - tip.offsetWidth - 8);
    tip.style.left = x + 'px'; tip.style.top = (ev.clientY + 14) + 'px';
  }
  function tipFor(hit) {
    if (!hit) return '';
    const ln = D.lanes[hit.lane];
    if (hit.kind === 'poll') {
      const i = hit.i, task = P.task[i], loc = str(P.loc[i]) || taskLoc(task);
      return 'task ' + task + (loc ? '\n' + loc : '') + (taskLoc(task) && taskLoc(task) !== loc ? '\nspawned at ' + taskLoc(task) : '') +
        '\npoll ' + fmtBound(P.dur[i], P.flags[i] & 8) + (P.dur[i] >= LONG ? '  (long: blocks this worker)' : '') +
        (P.flags[i] & 8 ? '\nan upper bound: the poll\'s return was not seen' : '') +
        '\nat ' + fmtT(P.start[i]) + ' on ' + laneName(ln) + (P.flags[i] & 1 ? '\nstill running at dump time' : '') +
        '\nclick to select this task';
    }
    const o = OV.lanes[hit.lane], b = hit.b;
    return laneName(ln) + ', ' + fmtT(b * OV.bucket_ns) + ' … ' + fmtT((b + 1) * OV.bucket_ns) +
      '\nbusy ' + (o.busy[b] / 10).toFixed(1) + '% (aggregated: zoom into a green window for single polls)' +
      '\nlongest poll ' + fmtDur(o.max[b]) + ' in task ' + o.task[b];
  }
  function chartTip(ci, t) {
    const k = Math.min(S.intervals - 1, Math.max(0, Math.floor(t / S.interval_ns)));
    const head = fmtT(k * S.interval_ns) + ' … ' + fmtT((k + 1) * S.interval_ns) + '\n';
    if (!known(CHARTS[ci].fig)) return head + 'unknown: ' + UNK[CHARTS[ci].fig];
    if (ci === 0) return head + 'max runnable tasks: ' + S.queue_max[k];
    if (ci === 1) return head + (S.lat_n[k] ? 'wake→poll p50 ' + fmtDur(S.lat_p50[k]) + ', p99 ' +
      fmtDur(S.lat_p99[k]) + ' (' + S.lat_n[k] + ' samples)' : 'no latency samples');
    return head + fmtN(S.polls[k]) + ' polls (' + fmtN(Math.round(S.polls[k] * 1e9 / S.interval_ns)) + '/s)';
  }
  function attach(canvas, gi) {
    const g = () => (gi < 0 ? tl : charts[gi]);
    canvas.addEventListener('wheel', (ev) => {
      ev.preventDefault();
      const r = canvas.getBoundingClientRect(), x = ev.clientX - r.left;
      if (x < GUTTER) return;
      const tm = tOf(g(), x), f = Math.exp(ev.deltaY * 0.0015), span = (state.t1 - state.t0) * f;
      setView(tm - (tm - state.t0) * f, tm - (tm - state.t0) * f + span);
    }, { passive: false });
    canvas.addEventListener('mousedown', (ev) => {
      state.drag = { x: ev.clientX, t0: state.t0, t1: state.t1, moved: false, g: g() };
    });
    canvas.addEventListener('mousemove', (ev) => {
      const r = canvas.getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
      if (state.drag) return;
      state.hover = x >= GUTTER ? tOf(g(), x) : null;
      if (gi < 0) showTip(ev, tipFor(pollAt(x, y)));
      else showTip(ev, x >= GUTTER ? chartTip(gi, tOf(g(), x)) : '');
      redraw();
    });
    canvas.addEventListener('mouseleave', () => { state.hover = null; showTip(null, ''); redraw(); });
    canvas.addEventListener('click', (ev) => {
      if (gi >= 0 || (state.dragEnd && state.dragEnd.moved)) return;
      const r = canvas.getBoundingClientRect();
      const hit = pollAt(ev.clientX - r.left, ev.clientY - r.top);
      if (hit && hit.kind === 'poll') select(P.task[hit.i], false);
      else if (hit && hit.kind === 'bucket') select(OV.lanes[hit.lane].task[hit.b], false);
      else select(null);
    });
    canvas.addEventListener('dblclick', () => setView(0, SPAN));
  }
  window.addEventListener('mousemove', (ev) => {
    const d = state.drag;
    if (!d) return;
    const dx = ev.clientX - d.x;
    if (Math.abs(dx) > 2) d.moved = true;
    const dt = dx * (d.t1 - d.t0) / plotW(d.g);
    setView(d.t0 - dt, d.t1 - dt);
  });
  window.addEventListener('mouseup', () => { state.dragEnd = state.drag; state.drag = null; });

  // ---- selection -------------------------------------------------------------
  function select(task, zoom) {
    state.sel = task;
    for (const tr of $('tasks').tBodies[0].rows) tr.classList.toggle('sel', Number(tr.dataset.id) === task);
    const i = task === null ? undefined : taskRow.get(task);
    if (task === null) $('selected').textContent = '';
    else if (i === undefined) $('selected').textContent = 'task ' + task;
    else {
      $('selected').textContent = 'selected: task ' + task + (str(T.loc[i]) ? ' · ' + str(T.loc[i]) : '') +
        ' · ' + orQ('polls', fmtN(T.polls[i])) + ' polls, longest ' + orQ('polls', fmtBound(T.max[i], T.flags[i] & 16)) +
        ', woken ' + orQ('wakes', fmtN(T.wakes[i])) + '×' + (T.parent[i] ? ', spawned by task ' + T.parent[i] : '') +
        (T.flags[i] & 1 ? ', PANICKED' : '');
      if (zoom && T.last[i] >= T.first[i]) {
        const pad = Math.max(20000, (T.last[i] - T.first[i]) * 0.05);
        setView(T.first[i] - pad, T.last[i] + pad);
      }
    }
    drawGraph();
    redraw();
  }

  // ---- task table --------------------------------------------------------------
  const ROWS = 300;
  function sortedRows() {
    const q = state.filter.trim().toLowerCase(), rows = [];
    for (let i = 0; i < T.id.length; i++)
      if (!q || String(T.id[i]) === q || str(T.loc[i]).toLowerCase().includes(q)) rows.push(i);
    const k = state.sortKey, dir = state.sortDir;
    const val = k === 'loc' ? (i) => str(T.loc[i]) : (i) => T[k][i];
    rows.sort((a, b) => {
      const x = val(a), y = val(b);
      if (x !== y) return (x < y ? -1 : 1) * dir;
      return T.id[a] - T.id[b];
    });
    return rows;
  }
  function renderTable() {
    const rows = sortedRows(), shown = rows.slice(0, ROWS);
    $('tasks').tBodies[0].innerHTML = shown.map((i) =>
      '<tr data-id="' + T.id[i] + '" data-i="' + i + '" class="' + (T.max[i] >= LONG ? 'long' : '') +
      (T.id[i] === state.sel ? ' sel' : '') + '">' +
      '<td class="num">' + T.id[i] + (T.flags[i] & 1 ? ' ⚠' : '') + '</td>' +
      '<td class="loc" title="' + esc(str(T.loc[i])) + '">' + esc(str(T.loc[i]) || '—') + '</td>' +
      '<td class="num">' + orQ('polls', fmtN(T.polls[i])) + '</td><td class="num">' +
      orQ('polls', fmtBound(T.total[i], T.flags[i] & 32)) + '</td>' +
      '<td class="num max">' + orQ('polls', fmtBound(T.max[i], T.flags[i] & 16)) + '</td><td class="num">' +
      orQ('wakes', fmtN(T.wakes[i])) + '</td>' +
      '<td class="num">' + orQ('queue', T.lat_max[i] ? fmtDur(T.lat_max[i]) : '—') + '</td></tr>').join('');
    for (const th of $('tasks').tHead.rows[0].cells) {
      th.classList.toggle('sorted-desc', th.dataset.key === state.sortKey && state.sortDir < 0);
      th.classList.toggle('sorted-asc', th.dataset.key === state.sortKey && state.sortDir > 0);
    }
    $('table-note').textContent = (rows.length > ROWS ? 'showing the first ' + ROWS + ' of ' + fmtN(rows.length) +
      ' matching tasks. ' : '') + (T.count > T.id.length ? 'The dump has ' + fmtN(T.count) + ' tasks; the ' +
      fmtN(T.id.length) + ' with the most poll time are listed. ' : '') + 'Click a row to show the task on the timeline.' +
      (T.flags.some((f) => f & 48) ? ' ≤: an upper bound (a poll\'s return was not seen).' : '') +
      (known('polls') && known('wakes') && known('queue') ? '' : ' ?: not recorded (see the probes above).');
  }
  $('tasks').tHead.addEventListener('click', (ev) => {
    const th = ev.target.closest('th');
    if (!th) return;
    const k = th.dataset.key;
    if (state.sortKey === k) state.sortDir = -state.sortDir;
    else { state.sortKey = k; state.sortDir = k === 'loc' || k === 'id' ? 1 : -1; }
    renderTable();
  });
  $('tasks').tBodies[0].addEventListener('click', (ev) => {
    const tr = ev.target.closest('tr');
    if (tr) select(Number(tr.dataset.id), true);
  });
  $('filter').addEventListener('input', (ev) => { state.filter = ev.target.value; renderTable(); });

  // ---- wake graph ----------------------------------------------------------------
  const G = { nodes: [], edges: [] };
  (function layoutGraph() {
    const idx = new Map();
    const node = (n) => {
      const key = n.kind + ':' + n.task;
      if (!idx.has(key)) { idx.set(key, G.nodes.length); G.nodes.push({ kind: n.kind, task: n.task, x: 0, y: 0, deg: 0 }); }
      return idx.get(key);
    };
    // Task-to-task edges say most about who waits for whom: draw those
    // first, then the busiest I/O, timer and runtime wakers.
    const byTask = D.graph.edges.filter((e) => e.from.kind === 'task');
    const other = D.graph.edges.filter((e) => e.from.kind !== 'task');
    const keep = byTask.slice(0, 30).concat(other.slice(0, Math.max(10, 40 - Math.min(30, byTask.length))));
    G.total = D.graph.edges.length;
    for (const e of keep) {
      const a = node(e.from), b = node(e.to);
      G.edges.push({ a, b, count: e.count });
      G.nodes[a].deg += e.count; G.nodes[b].deg += e.count;
    }
    const n = G.nodes.length, W = 560, H = 440;
    const degs = G.nodes.map((v) => v.deg).sort((a, b) => b - a);
    G.labelDeg = degs.length ? degs[Math.min(degs.length - 1, 11)] : 0;
    G.nodes.forEach((v, i) => { const a = 2 * Math.PI * i / Math.max(1, n); v.x = W / 2 + 150 * Math.cos(a); v.y = H / 2 + 130 * Math.sin(a); });
    const k = Math.sqrt(W * H / Math.max(1, n)) * 0.5;
    for (let it = 0, temp = 40; it < 300; it++, temp *= 0.985) {
      const dx = new Float64Array(n), dy = new Float64Array(n);
      for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) {
        let x = G.nodes[i].x - G.nodes[j].x, y = G.nodes[i].y - G.nodes[j].y;
        const d2 = Math.max(1, x * x + y * y);
        if (d2 > 16 * k * k) continue; // far apart: no push, so gravity keeps components together
        const f = k * k / d2;
        dx[i] += x * f; dy[i] += y * f; dx[j] -= x * f; dy[j] -= y * f;
      }
      for (const e of G.edges) {
        const A = G.nodes[e.a], B = G.nodes[e.b], x = A.x - B.x, y = A.y - B.y;
        const d = Math.max(1, Math.hypot(x, y)), f = d / k;
        dx[e.a] -= x * f; dy[e.a] -= y * f; dx[e.b] += x * f; dy[e.b] += y * f;
      }
      for (let i = 0; i < n; i++) {
        const v = G.nodes[i];
        dx[i] += (W / 2 - v.x) * 0.06; dy[i] += (H / 2 - v.y) * 0.06;
        const d = Math.max(1e-9, Math.hypot(dx[i], dy[i])), s = Math.min(d, temp) / d;
        v.x = Math.max(24, Math.min(W - 24, v.x + dx[i] * s));
        v.y = Math.max(18, Math.min(H - 18, v.y + dy[i] * s));
      }
    }
  })();
  const NODE_COL = { io_driver: '#3aa357', timer: '#e07b00', runtime: '#8a3ab9', thread: '#6b7385',
                     block_on: '#b5651d', unknown: '#9aa0ab' };
  const radius = (v) => 5 + Math.min(10, Math.log2(1 + v.deg));
  function drawGraph() {
    const c = $('graph');
    c.width = 560 * dpr; c.height = 440 * dpr;
    const ctx = c.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, 560, 440);
    if (!known('wakes')) { ctx.fillStyle = '#6b7385'; ctx.fillText('wake graph unavailable: ' + UNK.wakes, 20, 20); return; }
    if (!G.nodes.length) { ctx.fillStyle = '#6b7385'; ctx.fillText('no wakes recorded', 20, 20); return; }
    for (const e of G.edges) {
      const A = G.nodes[e.a], B = G.nodes[e.b];
      const hot = state.sel !== null && (A.task === state.sel || B.task === state.sel);
      ctx.strokeStyle = hot ? 'rgba(47,111,222,0.9)' : 'rgba(90,100,120,0.45)';
      ctx.fillStyle = ctx.strokeStyle;
      ctx.lineWidth = Math.min(6, 0.8 + Math.log2(e.count) / 2);
      const d = Math.max(1, Math.hypot(B.x - A.x, B.y - A.y)), ux = (B.x - A.x) / d, uy = (B.y - A.y) / d;
      const ex = B.x - ux * (radius(B) + 2), ey = B.y - uy * (radius(B) + 2);
      if (e.a === e.b) continue;
      ctx.beginPath(); ctx.moveTo(A.x, A.y); ctx.lineTo(ex, ey); ctx.stroke();
      ctx.beginPath(); ctx.moveTo(ex, ey); ctx.lineTo(ex - ux * 8 - uy * 4, ey - uy * 8 + ux * 4);
      ctx.lineTo(ex - ux * 8 + uy * 4, ey - uy * 8 - ux * 4); ctx.fill();
      if (hot || G.edges.length <= 25) {
        ctx.fillStyle = '#1d2330'; ctx.font = '10px system-ui, sans-serif';
        ctx.fillText('×' + e.count, (A.x + B.x) / 2 + 3, (A.y + B.y) / 2 - 3);
      }
    }
    ctx.lineWidth = 1;
    for (const v of G.nodes) {
      const r = radius(v), isTask = v.kind === 'task';
      ctx.beginPath(); ctx.arc(v.x, v.y, r, 0, 7);
      ctx.fillStyle = isTask ? colour(v.task, 0, 0.95) : NODE_COL[v.kind] || '#999';
      ctx.fill();
      ctx.lineWidth = isTask && v.task === state.sel ? 3 : 1;
      ctx.strokeStyle = isTask && v.task === state.sel ? '#10306e' : 'rgba(0,0,0,0.35)'; ctx.stroke();
      if (!isTask || v.task === state.sel || G.nodes.length <= 24 || v.deg >= G.labelDeg) {
        ctx.fillStyle = '#1d2330'; ctx.font = (isTask ? '' : 'bold ') + '11px system-ui, sans-serif';
        ctx.fillText(isTask ? 'task ' + v.task : v.kind, v.x + r + 2, v.y + 4);
      }
    }
    ctx.lineWidth = 1;
  }
  $('graph').addEventListener('click', (ev) => {
    const r = $('graph').getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    for (const v of G.nodes) if (Math.hypot(v.x - x, v.y - y) <= radius(v) + 3) {
      if (v.kind === 'task') select(v.task, true);
      return;
    }
  });
  $('graph').addEventListener('mousemove', (ev) => {
    const r = $('graph').getBoundingClientRect(), x = ev.clientX - r.left, y = ev.clientY - r.top;
    for (const v of G.nodes) if (Math.hypot(v.x - x, v.y - y) <= radius(v) + 3) {
      const ins = G.edges.filter((e) => G.nodes[e.b] === v).map((e) => {
        const a = G.nodes[e.a]; return (a.kind === 'task' ? 'task ' + a.task : a.kind) + ' ×' + e.count; });
      showTip(ev, (v.kind === 'task' ? 'task ' + v.task + (taskLoc(v.task) ? '\n' + taskLoc(v.task) : '') : v.kind) +
        (ins.length ? '\nwoken by: ' + ins.slice(0, 8).join(', ') : ''));
      return;
    }
    showTip(ev, '');
  });
  $('graph').addEventListener('mouseleave', () => showTip(null, ''));

  // ---- CPU profile: a flame graph of the CPU sampler's samples --------------------
  const PR = D.profile || { samples: 0 };
  let flameRects = [];
  function drawFlame() {
    const c = $('flame'), by = $('profile-by').value;
    if (!PR.samples) {
      $('profile-note').textContent = PR.version < 4 ? 'not recorded: a dump older than format version 4'
        : PR.hz ? 'no CPU samples in the window' : 'not recorded: the CPU sampler was off (dial9d --cpu-sample-hz)';
      c.hidden = true; $('profile-by').disabled = true;
      return;
    }
    const rows = (by === 'task' ? PR.by_task : PR.by_location) || [];
    $('profile-note').textContent = fmtN(PR.samples) + ' samples at ' + PR.hz + ' Hz a CPU, ' +
      Math.round(100 * PR.with_task / PR.samples) + '% of them in a task' +
      (PR.unattributed ? ' (' + fmtN(PR.unattributed) + ' taken before the task being polled could be read)' : '') +
      '; the sampler does not unwind stacks: row 3 is each sample\'s innermost frame of the program';
    const g = setupCanvas(c, 3 * 24 + 8), { ctx } = g, rowH = 24, total = PR.samples;
    ctx.clearRect(0, 0, g.w, g.h);
    flameRects = [];
    const box = (x, y, w, label, colr, tip) => {
      ctx.fillStyle = colr; ctx.fillRect(x, y, Math.max(1, w - 1), rowH - 2);
      if (w > 40) { ctx.fillStyle = '#111'; ctx.font = '11px system-ui, sans-serif'; ctx.fillText(fitText(ctx, label, w - 6), x + 3, y + 15); }
      flameRects.push({ x, y, w, tip });
    };
    const pct = (n) => (100 * n / total).toFixed(1) + '%';
    box(0, 0, g.w, 'all: ' + fmtN(total) + ' samples', 'hsl(30,70%,75%)', 'all samples: ' + fmtN(total));
    let x = 0;
    for (const r of rows) {
      const w = r.n * g.w / total;
      const name = by === 'task' ? (r.key ? 'task ' + r.key + (str(r.loc) ? ' · ' + str(r.loc) : '') : 'no task (runtime, block_on)')
        : (str(r.key) || 'no task, or a task of unknown spawn location');
      box(x, rowH, w, name, 'hsl(' + hue(r.key + 7) + ',60%,70%)', name + ': ' + fmtN(r.n) + ' samples, ' + pct(r.n));
      let fx = x, rest = r.n;
      for (const [f, n] of r.funcs) {
        const fw = n * g.w / total;
        box(fx, 2 * rowH, fw, str(f) || '?', 'hsl(' + hue(f + 3) + ',55%,80%)', (str(f) || '?') + ': ' + fmtN(n) +
          ' samples (' + pct(n) + ' of all, ' + (100 * n / r.n).toFixed(1) + '% of ' + name + ')');
        fx += fw; rest -= n;
      }
      if (rest > 0) box(fx, 2 * rowH, rest * g.w / total, 'other', '#ddd', 'other functions: ' + fmtN(rest) + ' samples');
      x += w;
    }
  }
  $('profile-by').addEventListener('change', drawFlame);
  $('flame').addEventListener('mousemove', (ev) => {
    const rc = $('flame').getBoundingClientRect(), mx = ev.clientX - rc.left, my = ev.clientY - rc.top;
    const hit = flameRects.find((b) => mx >= b.x && mx < b.x + b.w && my >= b.y && my < b.y + 24);
    showTip(ev, hit ? hit.tip : null);
  });
  $('flame').addEventListener('mouseleave', (ev) => showTip(ev, null));

  // ---- summary -------------------------------------------------------------------
  // Queue depth and wake-to-poll latency are seen only where recorded in
  // full (the analysis' full_ns; none at all: known('queue') is false).
  const FULL_NS = Math.min(SPAN, M.full_ns);
  function facts() {
    const lost = M.lost_ringbuf + M.lost_window + M.lost_other;
    const when = M.dump_realtime_ns ? new Date(M.dump_realtime_ns / 1e6).toISOString().replace('T', ' ').slice(0, 19) + ' UTC' : '';
    $('title').textContent = (M.comm || 'process') + ' (pid ' + M.pid + ')';
    document.title = 'dial9: ' + $('title').textContent + ' — ' + M.reason;
    $('subtitle').textContent = [M.exe, M.hostname, M.file].filter(Boolean).join(' · ');
    const lp = D.longest[0];
    const trig = D.markers.find((m) => m.kind === 'trigger');
    const items = [
      ...(trig ? [['trigger', trig.metric + ' ' + trig.value + ' at ' + fmtT(trig.t) + (trig.task ? ' · task ' + trig.task : '') +
        (trig.rule ? ' (' + trig.rule + ')' : ''), true, 'sum-trigger']] : []),
      ['reason', M.reason + (M.signal ? ' (signal ' + M.signal + ')' : '') +
        (M.reason_task ? ' in task ' + M.reason_task : ''), M.reason === 'panic' || M.reason === 'signal' || M.reason === 'oom'],
      ['window', fmtDur(SPAN) + (when ? ', dumped ' + when : '')],
      ['events', fmtN(M.events)],
      ['tasks', fmtN(M.tasks), false, 'sum-tasks'],
      ['polls', known('polls') ? fmtN(M.polls_recorded) + (M.polls_counted ? ' + ' + fmtN(M.polls_counted) + ' summarised' : '') +
        (M.polls_bound ? ' (' + fmtN(M.polls_bound) + ' ≤ upper bounds)' : '') : 'unknown'],
      ['worker threads', String(NL)],
      ['lost events', fmtN(lost) + (lost ? ' (ring ' + fmtN(M.lost_ringbuf) + ', window ' + fmtN(M.lost_window) + ')' : ''), lost > 0],
      ['longest poll', !known('polls') ? 'unknown' : lp ? fmtBound(lp.dur, lp.bound) + ' · task ' + lp.task : '—', lp && lp.dur >= LONG],
      ['runnable peak', !known('queue') ? 'unknown' : fmtN(M.queue_peak) + ' at ' + fmtT(M.queue_peak_ns) +
        (FULL_NS < SPAN ? ' (' + Math.round(100 * FULL_NS / SPAN) + '% of the window in full)' : '')],
      ['wake→poll p50 / p99 / max', !known('queue') ? 'unknown' : M.lat_count ? fmtDur(M.lat_p50_ns) + ' / ' +
        fmtDur(M.lat_p99_ns) + ' / ' + fmtDur(M.lat_max_ns) : '—'],
      ['probes', M.probes_missing === null ? 'not recorded (v' + M.format_version + ' dump)' : M.probes_missing.length ?
        M.probes_missing.length + ' missing: ' + M.probes_missing.map((p) => p.class).join(', ') : 'all found',
        !!(M.probes_missing && M.probes_missing.length)],
    ];
    if (M.panics || M.signals) items.push(['panics / signals', orQ('panics', M.panics) + ' / ' + M.signals, M.panics > 0]);
    $('facts').innerHTML = items.map(([k, v, bad, id]) => '<div class="fact' + (bad ? ' bad' : '') + '"' +
      (id ? ' id="' + id + '" data-n="' + (k === 'tasks' ? M.tasks : '') + '"' : '') + '><b>' + esc(v) + '</b><span>' + esc(k) + '</span></div>').join('');
    if (known('polls') && lp && lp.dur >= LONG) {
      const loc = str(lp.loc) || taskLoc(lp.task);
      $('culprit').innerHTML = 'Worker <b>' + esc(threadName(lp.tid, lp.thread_name)) + '</b> was blocked for <b>' + esc(fmtBound(lp.dur, lp.bound)) +
        '</b> polling <b>task ' + lp.task + '</b>' + (loc ? ' (' + esc(loc) + ')' : '') + ' at ' + esc(fmtT(lp.start)) +
        (lp.open ? ', still running when the dump was taken' : '') + '. <a id="show-culprit">show it</a>';
      $('show-culprit').addEventListener('click', zoomLongest);
    }
    if (!known('spawns')) $('tasks').tHead.querySelector('th[data-key="loc"]').textContent = 'future location';
    $('probes').innerHTML = M.probes_missing === null ?
      'Probes: not recorded (a version ' + esc(M.format_version) + ' dump: what the recorder could see is unknown).' :
      M.probes_missing.map((p) => 'no ' + esc(p.class) + ' probe: ' + esc(p.cost)).join('<br>');
    const shadeKinds = new Set(D.shade.map((s) => s.kind));
    const legend = [['long poll (≥ ' + fmtDur(LONG) + '): full height, red outline', '#d0312d'],
      ['poll (colour = ' + 'task or location)', 'hsl(210,62%,55%)']];
    if (shadeKinds.has('sampled')) legend.push(['recording sampled (short polls summarised)', SHADE.sampled]);
    if (shadeKinds.has('off')) legend.push(['recording off', SHADE.off]);
    if (shadeKinds.has('lost')) legend.push(['events lost', SHADE.lost]);
    if (!P.all) legend.push(['single polls drawn here (elsewhere: busy time per bucket)', '#3aa357']);
    if (WK.t.length) legend.push(['wake link (task / I/O-timer)', 'rgba(47,111,222,.75)']);
    if (P.flags.some((f) => f & 8)) legend.push(['≤: poll length an upper bound (its return was not seen)', '#cfd5de']);
    if (!known('idle')) legend.push(['idle time not recorded (no park probe)', '#ffffff']);
    if (known('wakes'))
      for (const k of Object.keys(NODE_COL)) if (G.nodes.some((v) => v.kind === k)) legend.push(['waker: ' + k, NODE_COL[k]]);
    $('legend').innerHTML = legend.map(([t, c]) => '<span><i style="background:' + c + '"></i>' + esc(t) + '</span>').join('');
    $('sampling').textContent = (P.all ? 'All ' + fmtN(P.total) + ' polls are drawn one by one.' :
      'Downsampled: ' + fmtN(P.embedded) + ' of ' + fmtN(P.total) + ' polls are drawn one by one — every poll inside the ' +
      DW.length + ' busiest windows (green strip above the lanes) plus the ' + fmtN(P.longest_included) +
      ' longest; elsewhere each lane shows busy time and its longest poll per ' + fmtDur(OV.bucket_ns) + ' bucket.') +
      ' Charts use ' + S.intervals + ' intervals of ' + fmtDur(S.interval_ns) + '. Wake links: ' +
      (known('wakes') ? fmtN(WK.t.length) + ' of ' + fmtN(WK.total) + ' wakes.' : 'none (' + UNK.wakes + ').');
    $('task-count').textContent = fmtN(M.tasks) + ' tasks';
    if (!known('wakes')) $('graph-note').textContent = '';
    else $('graph-note').textContent = (M.lumped_into_runtime ? 'Runtime wakes include others: ' + M.lumped_into_runtime + '. ' : '') +
      G.edges.length + ' of ' + D.graph.edges_total + ' edges (task → task first)' +
      (D.graph.chain.length ? '; longest wake chain (' + (D.graph.chain.length - 1) + ' wakes): ' +
        D.graph.chain.slice(0, 12).map((n) => (n.kind === 'task' ? n.task : n.kind)).join(' → ') +
        (D.graph.chain.length > 12 ? ' → …' : '') : '');
  }
  function zoomLongest() {
    const lp = D.longest[0];
    if (!lp) return;
    const pad = Math.max(lp.dur * 0.6, 50000);
    setView(lp.start - pad, lp.start + lp.dur + pad);
  }
  $('reset').addEventListener('click', () => setView(0, SPAN));
  $('zoom-longest').addEventListener('click', zoomLongest);
  $('color-by').addEventListener('change', (ev) => { state.colorBy = ev.target.value; drawGraph(); redraw(); });
  $('links').addEventListener('change', (ev) => { state.links = ev.target.checked; redraw(); });
  window.addEventListener('resize', () => { layout(); drawAll(); drawFlame(); });

  // ---- start -----------------------------------------------------------------------
  facts();
  layout();
  renderTable();
  drawGraph();
  drawAll();
  drawFlame();

  // Self-test for tests/browser/run.sh: open the page with #selftest.
  if (location.hash === '#selftest') {
    const r = { errors, init_ms: Math.round(performance.now() - t_start) };
    r.tasks_in_data = T.id.length;
    r.tasks_fact = Number(($('sum-tasks') || {}).dataset ? $('sum-tasks').dataset.n : -1);
    r.table_rows = $('tasks').tBodies[0].rows.length;
    r.lanes = NL;
    r.longest_task = state.highlight ? state.highlight.task : null;
    r.longest_visible = state.highlight ? state.highlight.visible : false;
    r.culprit = $('culprit').textContent;
    const col = (key) => Array.from($('tasks').tBodies[0].rows).map((tr) => T[key][Number(tr.dataset.i)]);
    const mono = (v, dir) => v.every((x, i) => i === 0 || (dir < 0 ? v[i - 1] >= x : v[i - 1] <= x));
    const click = (key) => $('tasks').tHead.querySelector('th[data-key="' + key + '"]').click();
    click('polls');
    r.sort_polls_desc = mono(col('polls'), -1) && state.sortDir < 0;
    click('polls');
    r.sort_polls_asc = mono(col('polls'), 1) && state.sortDir > 0;
    click('max');
    r.sort_max_desc = mono(col('max'), -1);
    const first = $('tasks').tBodies[0].rows[0];
    r.first_row_after_max_sort = first ? Number(first.dataset.id) : null;
    if (first) first.click();
    r.selected = state.sel;
    drawAll();
    const px = tl.ctx.getImageData(0, 0, tl.c.width, tl.c.height).data;
    let red = 0;
    for (let i = 0; i < px.length; i += 4) if (px[i] > 180 && px[i + 1] < 80 && px[i + 2] < 80) red++;
    r.red_pixels = red;
    r.graph_nodes = G.nodes.length;
    r.graph_edges = G.edges.length;
    r.wake_links = WK.t.length;
    r.profile_samples = PR.samples;
    r.flame_boxes = flameRects.length;
    r.errors = errors;
    $('selftest').textContent = JSON.stringify(r);
  }
})();
