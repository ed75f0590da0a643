// The dashboard page. Every value from the data is attacker-controlled (names, user ids,
// metadata): it is only ever written with textContent, never parsed as HTML.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat('en-US');
  const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
  const palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  const STALE_AFTER_MS = 5000;

  function el(tag, text, className) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (className) e.className = className;
    return e;
  }

  function ms(v) {
    if (v === null || v === undefined) return '-';
    if (Math.abs(v) < 1000) return `${v} ms`;
    if (Math.abs(v) < 120000) return `${(v / 1000).toFixed(1)} s`;
    return `${Math.round(v / 60000)} min`;
  }

  function fillTable(table, rows, columns, emptyText) {
    const body = table.tBodies[0];
    const frag = document.createDocumentFragment();
    if (rows.length === 0) {
      const tr = el('tr');
      const td = el('td', emptyText, 'empty');
      td.colSpan = columns.length;
      tr.appendChild(td);
      frag.appendChild(tr);
    }
    for (const row of rows) {
      const tr = el('tr');
      for (const c of columns) {
        const value = c.value(row);
        tr.appendChild(el('td', value, c.className ? c.className(row) : undefined));
      }
      frag.appendChild(tr);
    }
    body.replaceChildren(frag);
  }

  function fillBars(container, counts) {
    const entries = Object.entries(counts).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1));
    const total = entries.reduce((s, [, n]) => s + n, 0);
    if (total === 0) {
      container.replaceChildren(el('p', 'No users yet.', 'placeholder'));
      return;
    }
    const frag = document.createDocumentFragment();
    for (const [key, n] of entries) {
      const pct = (n / total) * 100;
      const row = el('div', undefined, 'bar-row');
      row.appendChild(el('span', key, 'bar-label'));
      const track = el('div', undefined, 'bar-track');
      const fill = el('div', undefined, 'bar-fill');
      fill.style.width = `${pct.toFixed(1)}%`;
      track.appendChild(fill);
      row.appendChild(track);
      row.appendChild(el('span', `${number.format(n)} (${decimal.format(pct)}%)`, 'bar-value'));
      frag.appendChild(row);
    }
    container.replaceChildren(frag);
  }

  let chart = null;
  let chartKey = '';
  function drawActivity(activity) {
    const box = $('activity-chart');
    const types = Object.keys(activity.series).sort();
    $('window-hint').textContent = activity.minutes.length ? `(last ${activity.minutes.length} min, per-minute average)` : '';
    if (types.length === 0 || typeof uPlot === 'undefined') {
      if (chart) chart.destroy();
      chart = null;
      chartKey = '';
      box.replaceChildren(el('p', 'No activity in the window yet.', 'placeholder'));
      $('activity-legend').replaceChildren();
      return;
    }
    const data = [activity.minutes.map((m) => m / 1000), ...types.map((t) => activity.series[t].map((n) => Math.round((n / 60) * 100) / 100))];
    const key = types.join('\u0000') + '|' + activity.minutes.length;
    if (chart && key === chartKey) {
      chart.setData(data);
      return;
    }
    if (chart) chart.destroy();
    box.replaceChildren();
    chart = new uPlot(
      {
        width: Math.max(200, box.clientWidth),
        height: 240,
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [{}, { label: 'events/s', size: 56 }],
        series: [{}, ...types.map((t, i) => ({ label: t, stroke: palette[i % palette.length], width: 2, points: { show: false } }))],
      },
      data,
      box,
    );
    chartKey = key;
    const legend = document.createDocumentFragment();
    types.forEach((t, i) => {
      const li = el('li');
      const sw = el('span', undefined, 'swatch');
      sw.style.background = palette[i % palette.length];
      li.appendChild(sw);
      li.appendChild(el('span', `${t}: ${number.format(activity.totals[t] || 0)}`));
      legend.appendChild(li);
    });
    $('activity-legend').replaceChildren(legend);
  }

  window.addEventListener('resize', () => {
    if (chart) chart.setSize({ width: Math.max(200, $('activity-chart').clientWidth), height: 240 });
  });

  const banners = { conn: null, db: null, data: null };
  function showBanners() {
    const frag = document.createDocumentFragment();
    for (const b of Object.values(banners)) if (b) frag.appendChild(el('p', b.text, `banner-${b.kind}`)).id = `banner-${b.id}`;
    $('banners').replaceChildren(frag);
  }

  let conn = 'connecting';
  function setConn(state) {
    conn = state;
    document.body.dataset.conn = state;
    $('conn').textContent = state === 'live' ? 'live' : state === 'down' ? 'disconnected' : 'connecting…';
    banners.conn = state === 'down' ? { id: 'disconnected', kind: 'warn', text: 'Connection to the server lost — reconnecting…' } : null;
    showBanners();
  }

  function render(s) {
    for (const [k, v] of Object.entries(s.summary)) {
      const target = $(`sum-${k}`);
      if (target) target.textContent = k === 'eventsPerSecond' ? decimal.format(v) : number.format(v);
    }
    $('updated').textContent = `updated ${new Date(s.at).toLocaleTimeString()}`;
    banners.db = s.db.ok ? null : { id: 'db', kind: 'error', text: `Database unreachable — showing the last data read. ${s.db.error}` };
    banners.data = !s.db.ok
      ? null
      : !s.hasData
        ? { id: 'nodata', kind: 'info', text: 'No data yet: nothing has been consumed. Start the pipeline: centos produce, centos consume --role dashboard, centos schedule.' }
        : s.computedAt === null
          ? { id: 'norollups', kind: 'warn', text: 'Events are arriving, but no roll-ups yet: is centos schedule running?' }
          : null;
    document.body.dataset.db = s.db.ok ? 'ok' : 'unreachable';
    document.body.dataset.hasData = String(s.hasData);
    showBanners();

    drawActivity(s.activity);
    fillBars($('gender'), s.gender);
    fillBars($('relationship'), s.relationship);
    fillTable(
      $('top-users'),
      s.topUsers,
      [{ value: (u) => u.fullName }, { value: (u) => u.userid }, { value: (u) => number.format(u.events), className: () => 'num nowrap' }, { value: (u) => u.topActivity, className: () => 'nowrap' }],
      'No users in the window yet.',
    );
    fillTable(
      $('latest'),
      s.latest,
      [{ value: (a) => a.activityTimestamp.replace('T', ' ').replace(/\.\d+Z$|Z$/, '') }, { value: (a) => a.fullName }, { value: (a) => a.userid }, { value: (a) => a.activityType, className: () => 'nowrap' }, { value: (a) => a.activityMetadata }],
      'No activities yet.',
    );
    fillTable(
      $('shards'),
      s.pipeline.shards,
      [
        { value: (x) => x.app },
        { value: (x) => x.shardId },
        { value: (x) => x.state },
        { value: (x) => x.owner || '-' },
        { value: (x) => (x.owner === null ? '-' : x.ownerLive ? `${ms(x.leaseExpiresInMs)} left` : 'EXPIRED'), className: (x) => (x.owner !== null && !x.ownerLive ? 'bad' : '') },
        { value: (x) => x.epoch, className: () => 'num' },
        { value: (x) => (x.checkpoint.length > 24 ? '…' + x.checkpoint.slice(-23) : x.checkpoint) },
        { value: (x) => ms(x.millisBehindLatest), className: (x) => 'num' + ((x.millisBehindLatest || 0) > 60000 ? ' bad' : '') },
      ],
      'No leases yet: no consumer has run against this database.',
    );
    fillTable(
      $('workers'),
      s.pipeline.workers,
      [
        { value: (w) => w.app },
        { value: (w) => w.workerId },
        { value: (w) => (w.live ? 'yes' : 'no'), className: (w) => (w.live ? 'good' : 'bad') },
        { value: (w) => `${ms(w.lastHeartbeatMsAgo)} ago`, className: () => 'num' },
        { value: (w) => w.shards.length, className: () => 'num' },
        { value: (w) => w.info },
      ],
      'No workers.',
    );
  }

  let source = null;
  let retryMs = 1000;
  let lastMessageAt = 0;
  function connect() {
    if (source) source.close();
    setConn('connecting');
    source = new EventSource('/api/stream');
    source.addEventListener('snapshot', (ev) => {
      lastMessageAt = Date.now();
      retryMs = 1000;
      if (conn !== 'live') setConn('live');
      render(JSON.parse(ev.data));
    });
    source.addEventListener('error', () => {
      setConn('down');
      // EventSource retries by itself after a dropped connection, but gives up for good on an
      // HTTP error (a restarting proxy, a 503): then start over with a growing pause.
      if (source.readyState === EventSource.CLOSED) {
        setTimeout(connect, retryMs);
        retryMs = Math.min(retryMs * 2, 10000);
      }
    });
  }
  // A connection that went quiet (server frozen, network gone without a reset) is replaced.
  setInterval(() => {
    if (conn === 'live' && Date.now() - lastMessageAt > STALE_AFTER_MS) connect();
  }, 1000);
  connect();
})();
