/* global window, document, location, history, fetch, URLSearchParams, Option, Chart, setTimeout, clearTimeout */
// The dashboards' page script: reads filters from the URL, polls the JSON API, draws with Chart.js.
'use strict';

(() => {
  const VIEW = location.pathname.startsWith('/safety')
    ? 'safety'
    : location.pathname.startsWith('/pinterest')
      ? 'pinterest'
      : 'exhibitions';
  const FILTERS = ['from', 'to', 'exhibition', 'floor', 'type'];
  // Okabe–Ito: distinguishable with the common colour-vision deficiencies.
  const PALETTE = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442', '#000000'];
  const RATING_COLOURS = ['#d73027', '#fc8d59', '#fee08b', '#91cf60', '#1a9850'];
  const ASSISTANCE = '#2b7bba';
  const EMERGENCY = '#d62728';
  const RECENT_EMERGENCY_MS = 15 * 60 * 1000;
  const DAY_MS = 24 * 3600 * 1000;
  const REDUCED_MOTION = Boolean(
    window.matchMedia && window.matchMedia('(prefers-reduced-motion: reduce)').matches,
  );
  const BASE_TITLE = `${
    { safety: 'Visitor safety', pinterest: 'Pinterest insights', exhibitions: 'Exhibitions' }[VIEW]
  } – Museum dashboards`;

  const state = {
    meta: undefined,
    metaAt: 0,
    charts: {},
    seenEmergencies: undefined,
    timer: undefined,
    titleUntil: undefined,
    running: false,
    again: false,
    refreshes: 0,
  };

  const $ = (id) => document.getElementById(id);
  const fmtInt = (n) => Number(n).toLocaleString('en-GB');
  const fmtAvg = (n) => (n === null || n === undefined ? '–' : Number(n).toFixed(2));
  const fmtPct = (x) => `${(x * 100).toFixed(1)}%`;
  const floorLabel = (floor) => (/^\d+$/.test(floor) ? `Floor ${floor}` : floor);

  // ---- URL <-> filters -------------------------------------------------------------------------

  function urlFilters() {
    const from = new URLSearchParams(location.search);
    const out = new URLSearchParams();
    for (const k of FILTERS) {
      const v = from.get(k);
      if (v) out.set(k, v);
    }
    return out;
  }

  /** The API parameters for this view: `type` only matters to the safety view, and no filter to Pinterest's. */
  function apiParams() {
    if (VIEW === 'pinterest') return new URLSearchParams();
    const p = urlFilters();
    if (VIEW !== 'safety') p.delete('type');
    return p;
  }

  function setUrlFilters(params) {
    const qs = params.toString();
    history.pushState(null, '', `${location.pathname}${qs ? `?${qs}` : ''}`);
    // Emergencies that a new filter brings into view are not new: do not flash them.
    state.seenEmergencies = undefined;
    syncForm();
    refreshSoon();
  }

  function syncForm() {
    const p = urlFilters();
    for (const k of FILTERS) {
      const el = document.querySelector(`#filters [name="${k}"]`);
      if (el) el.value = p.get(k) || '';
    }
    const qs = p.toString();
    $('tab-exhibitions').href = `/exhibitions${qs ? `?${qs}` : ''}`;
    $('tab-safety').href = `/safety${qs ? `?${qs}` : ''}`;
    // Kept in the Pinterest page's address only so that the way back keeps them.
    $('tab-pinterest').href = `/pinterest${qs ? `?${qs}` : ''}`;
  }

  function onFormChange() {
    const p = new URLSearchParams();
    for (const k of FILTERS) {
      const el = document.querySelector(`#filters [name="${k}"]`);
      if (el && el.value) p.set(k, el.value);
    }
    setUrlFilters(p);
  }

  function addDays(isoDate, days) {
    const d = new Date(`${isoDate}T00:00:00Z`);
    d.setUTCDate(d.getUTCDate() + days);
    return d.toISOString().slice(0, 10);
  }

  function applyPreset(preset) {
    const p = urlFilters();
    const today = state.meta ? state.meta.today : new Date().toISOString().slice(0, 10);
    p.delete('from');
    p.delete('to');
    if (preset === 'today') {
      p.set('from', today);
      p.set('to', today);
    } else if (preset !== 'all') {
      p.set('from', addDays(today, -(Number(preset) - 1)));
      p.set('to', today);
    }
    setUrlFilters(p);
  }

  // ---- fetching ---------------------------------------------------------------------------------

  async function getJson(path, params) {
    const qs = params ? params.toString() : '';
    const res = await fetch(`${path}${qs ? `?${qs}` : ''}`, { cache: 'no-store' });
    let body = {};
    try {
      body = await res.json();
    } catch {
      body = {};
    }
    if (res.status === 401) {
      // The session expired or the server restarted (new one-time token): the page shows sign-in.
      window.location.reload();
    }
    if (!res.ok) {
      const err = new Error(body.reason || `${res.status} ${res.statusText}`);
      err.status = res.status;
      throw err;
    }
    return body;
  }

  async function loadMeta(force) {
    if (!force && state.meta && Date.now() - state.metaAt < 30_000) return state.meta;
    const meta = await getJson('/api/meta');
    state.meta = meta;
    state.metaAt = Date.now();
    fillOptions(
      $('f-exhibition'),
      'All exhibitions',
      meta.exhibitions.map((e) => [e.exhibition, `${e.name} (${e.exhibition})`]),
    );
    fillOptions(
      $('f-floor'),
      'All floors',
      meta.floors.map((f) => [f, floorLabel(f)]),
    );
    $('tz').textContent = meta.timeZone;
    syncForm();
    return meta;
  }

  function fillOptions(select, allLabel, entries) {
    const wanted = JSON.stringify(entries);
    if (select.dataset.options === wanted) return;
    select.dataset.options = wanted;
    select.replaceChildren(new Option(allLabel, ''), ...entries.map(([v, label]) => new Option(label, v)));
  }

  function refreshSoon() {
    clearTimeout(state.timer);
    state.timer = setTimeout(tick, 0);
  }

  async function tick() {
    clearTimeout(state.timer);
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    const query = apiParams().toString();
    try {
      if (!document.hidden || state.refreshes === 0) {
        await loadMeta(false);
        if (VIEW === 'safety') await refreshSafety();
        else if (VIEW === 'pinterest') await window.MuseumPinterest.refresh(PAGE);
        else await refreshExhibitions();
        state.refreshes += 1;
        setLive(true);
        document.body.dataset.state = 'ready';
        document.body.dataset.query = query;
        document.body.dataset.refreshes = String(state.refreshes);
      }
    } catch (err) {
      setLive(false, err);
      if (err.status === 400) {
        showNotice(`These filters cannot be used: ${err.message}`, true);
        document.body.dataset.state = 'bad-filter';
      } else {
        document.body.dataset.state = 'error';
      }
    } finally {
      state.running = false;
      const delay = state.again ? 0 : (state.meta && state.meta.refreshMs) || 2000;
      state.again = false;
      state.timer = setTimeout(tick, delay);
    }
  }

  function setLive(ok, err) {
    const box = $('live-status');
    box.classList.toggle('down', !ok);
    if (ok) {
      const now = new Intl.DateTimeFormat('en-GB', {
        timeZone: state.meta ? state.meta.timeZone : undefined,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      }).format(new Date());
      $('updated').textContent = `Live · updated ${now}`;
    } else {
      $('updated').textContent = `Not updating: ${err && err.message ? err.message : 'server unreachable'}`;
    }
  }

  function showNotice(text, isError) {
    const n = $('notice');
    if (!text) {
      n.hidden = true;
      return;
    }
    n.hidden = false;
    n.classList.toggle('error', Boolean(isError));
    n.textContent = text;
  }

  function setEmpty(cardId, empty) {
    $(cardId).classList.toggle('is-empty', empty);
  }

  /** The notice line: cleared when there is data, else says why nothing shows and how to get some. */
  function emptyNotice(hasAnything) {
    if (hasAnything) {
      showNotice(undefined);
      return;
    }
    const range = state.meta && state.meta.dataRange;
    const n = $('notice');
    n.hidden = false;
    n.classList.remove('error');
    if (!range || !range.first) {
      n.textContent =
        'No interactions have been loaded yet. When kiosk data arrives it will appear here within seconds.';
    } else {
      n.replaceChildren(
        document.createTextNode(
          `Nothing matches these filters. Data exists from ${range.first} to ${range.last} (museum time). `,
        ),
      );
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'link';
      b.textContent = 'Clear filters';
      b.addEventListener('click', () => setUrlFilters(new URLSearchParams()));
      n.append(b);
    }
  }

  // ---- charts -------------------------------------------------------------------------------------

  function chart(id, config) {
    const existing = state.charts[id];
    if (existing) {
      existing.data.labels = config.data.labels;
      // Keep dataset objects (and their hidden state) when the set of series is unchanged.
      const same =
        existing.data.datasets.length === config.data.datasets.length &&
        existing.data.datasets.every((d, i) => d.label === config.data.datasets[i].label);
      if (same) existing.data.datasets.forEach((d, i) => (d.data = config.data.datasets[i].data));
      else existing.data.datasets = config.data.datasets;
      if (config.options && config.options.scales) existing.options.scales = config.options.scales;
      existing.update('none');
      return existing;
    }
    config.options = Object.assign(
      { responsive: true, maintainAspectRatio: false, animation: REDUCED_MOTION ? false : { duration: 300 } },
      config.options,
    );
    state.charts[id] = new Chart($(id), config);
    return state.charts[id];
  }

  const stackedScales = () => ({
    x: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
    y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } },
  });

  function exhibitionColour(publicId) {
    const ids = state.meta ? state.meta.exhibitions.map((e) => e.exhibition) : [];
    const i = ids.indexOf(publicId);
    return PALETTE[(i < 0 ? 0 : i) % PALETTE.length];
  }

  // ---- exhibitions view --------------------------------------------------------------------------

  async function refreshExhibitions() {
    const p = apiParams();
    const [time, pop, top, dist] = await Promise.all([
      getJson('/api/exhibitions/ratings-over-time', p),
      getJson('/api/exhibitions/popularity', p),
      getJson('/api/exhibitions/top-rated', p),
      getJson('/api/exhibitions/rating-distribution', p),
    ]);
    if (apiParams().toString() !== p.toString()) return; // the filters changed meanwhile: redraw next tick

    $('kpi-ratings').textContent = fmtInt(pop.totals.ratings);
    $('kpi-average').textContent = fmtAvg(pop.totals.averageRating);
    $('kpi-requests').textContent = fmtInt(pop.totals.requests);
    $('kpi-interactions').textContent = fmtInt(pop.totals.interactions);
    emptyNotice(pop.totals.interactions > 0);

    const bucketWords = { hour: 'per hour', day: 'per day', week: 'per week (weeks start on Monday)' };
    $('bucket-label').textContent = bucketWords[time.bucket] || '';
    setEmpty('card-rating-time', time.labels.length === 0);
    chart('chart-rating-time', {
      type: 'line',
      data: {
        labels: time.labels.map((l) => (time.bucket === 'week' ? `w/c ${l}` : l)),
        datasets: time.series.map((s) => ({
          label: s.name,
          data: s.average,
          borderColor: exhibitionColour(s.exhibition),
          backgroundColor: exhibitionColour(s.exhibition),
          spanGaps: true,
          cubicInterpolationMode: 'monotone',
          pointRadius: time.labels.length > 60 ? 0 : 2,
        })),
      },
      options: {
        interaction: { mode: 'nearest', intersect: false },
        scales: {
          y: { min: 0, max: 4, ticks: { stepSize: 1 } },
          x: { ticks: { maxRotation: 0, autoSkip: true } },
        },
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
    });

    setEmpty('card-popularity', pop.totals.interactions === 0);
    chart('chart-popularity', {
      type: 'bar',
      data: {
        labels: pop.exhibitions.map((e) => e.name),
        datasets: [
          { label: 'Ratings', data: pop.exhibitions.map((e) => e.ratings), backgroundColor: '#0072B2' },
          { label: 'Requests', data: pop.exhibitions.map((e) => e.requests), backgroundColor: '#E69F00' },
        ],
      },
      options: {
        indexAxis: 'y',
        scales: stackedScales(),
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
    });

    const body = $('top-rated').querySelector('tbody');
    body.replaceChildren(
      ...top.exhibitions.map((e) => {
        const tr = document.createElement('tr');
        tr.dataset.exhibition = e.exhibition;
        const cells = [
          [e.rank === null ? '–' : String(e.rank), 'rank'],
          [e.name, 'name'],
          [e.floor, 'floor'],
          [fmtInt(e.ratings), 'num ratings'],
          [fmtAvg(e.average), 'num average'],
        ];
        for (const [text, cls] of cells) {
          const td = document.createElement('td');
          td.className = cls;
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    setEmpty('card-top-rated', !top.exhibitions.some((e) => e.ratings > 0));

    setEmpty('card-distribution', !dist.exhibitions.some((e) => e.total > 0));
    chart('chart-distribution', {
      type: 'bar',
      data: {
        labels: dist.exhibitions.map((e) => e.name),
        datasets: dist.ratings.map((label, i) => ({
          label: `${i} ${label}`,
          data: dist.exhibitions.map((e) => e.counts[i]),
          backgroundColor: RATING_COLOURS[i],
        })),
      },
      options: {
        scales: stackedScales(),
        plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } },
      },
    });
  }

  // ---- safety view -------------------------------------------------------------------------------

  async function refreshSafety() {
    const p = apiParams();
    const [summary, hours, floors, exhibitions, heatmap, emergencies] = await Promise.all([
      getJson('/api/safety/summary', p),
      getJson('/api/safety/by-hour', p),
      getJson('/api/safety/by-floor', p),
      getJson('/api/safety/by-exhibition', p),
      getJson('/api/safety/heatmap', p),
      getJson('/api/safety/emergencies', p),
    ]);
    if (apiParams().toString() !== p.toString()) return; // the filters changed meanwhile: redraw next tick

    renderEmergencies(emergencies.emergencies);

    $('kpi-assistance').textContent = fmtInt(summary.assistance);
    $('kpi-emergency').textContent = fmtInt(summary.emergency);
    $('kpi-total-requests').textContent = fmtInt(summary.total);
    $('kpi-assistance-share').textContent = summary.total
      ? `${fmtPct(summary.assistanceShare)} of requests`
      : '';
    $('kpi-emergency-share').textContent = summary.total
      ? `${fmtPct(summary.emergencyShare)} of requests`
      : '';
    emptyNotice(summary.total > 0 || emergencies.emergencies.length > 0);

    const empty = summary.total === 0;
    for (const id of ['card-share', 'card-by-hour', 'card-by-floor', 'card-by-exhibition', 'card-heatmap'])
      setEmpty(id, empty);
    renderHeatmap(heatmap);

    chart('chart-share', {
      type: 'doughnut',
      data: {
        labels: ['Assistance', 'Emergency'],
        datasets: [
          {
            label: 'Requests',
            data: [summary.assistance, summary.emergency],
            backgroundColor: [ASSISTANCE, EMERGENCY],
          },
        ],
      },
      options: { plugins: { legend: { position: 'bottom', labels: { boxWidth: 12 } } } },
    });
    const twoSeries = (rows, labelOf) => ({
      labels: rows.map(labelOf),
      datasets: [
        { label: 'Assistance', data: rows.map((r) => r.assistance), backgroundColor: ASSISTANCE },
        { label: 'Emergency', data: rows.map((r) => r.emergency), backgroundColor: EMERGENCY },
      ],
    });
    const legend = { legend: { position: 'bottom', labels: { boxWidth: 12 } } };
    chart('chart-by-hour', {
      type: 'bar',
      data: twoSeries(hours.hours, (h) => h.label),
      options: { scales: stackedScales(), plugins: legend },
    });
    chart('chart-by-floor', {
      type: 'bar',
      data: twoSeries(floors.floors, (f) => floorLabel(f.floor)),
      options: { scales: stackedScales(), plugins: legend },
    });
    chart('chart-by-exhibition', {
      type: 'bar',
      data: twoSeries(exhibitions.exhibitions, (e) => e.name),
      options: { indexAxis: 'y', scales: stackedScales(), plugins: legend },
    });
  }

  function cell(tag, text, className) {
    const el = document.createElement(tag);
    el.textContent = text;
    if (className) el.className = className;
    return el;
  }

  /** A table, not a chart: every count stays readable, and the tint shows where the busy hours are. */
  function renderHeatmap(heatmap) {
    const measure = heatmap.filters.type || 'total';
    const max = Math.max(0, ...heatmap.floors.flatMap((f) => f[measure]));
    $('card-heatmap').dataset.measure = measure;
    $('heatmap-measure').textContent =
      measure === 'total'
        ? 'assistance and emergency, museum time'
        : `${measure === 'emergency' ? 'emergencies' : 'assistance'} only, museum time`;
    $('heatmap-max').textContent = fmtInt(max);

    const head = document.createElement('tr');
    head.append(cell('th', 'Floor'), ...heatmap.hours.map((h) => cell('th', h.label.slice(0, 2))));
    head.append(cell('th', 'Total', 'total'));
    for (const th of head.children) th.scope = 'col';
    $('heatmap').tHead.replaceChildren(head);

    $('heatmap').tBodies[0].replaceChildren(
      ...heatmap.floors.map((f) => {
        const tr = document.createElement('tr');
        tr.dataset.floor = f.floor;
        const name = cell('th', floorLabel(f.floor));
        name.scope = 'row';
        tr.append(name);
        f[measure].forEach((n, i) => {
          // A faint floor for any non-zero count, so one request never looks like none.
          const heat = n > 0 && max > 0 ? 0.12 + 0.88 * (n / max) : 0;
          const td = cell('td', fmtInt(n), `cell${n === 0 ? ' zero' : ''}${heat > 0.55 ? ' dark' : ''}`);
          td.style.setProperty('--heat', heat.toFixed(3));
          td.dataset.hour = String(heatmap.hours[i].hour);
          td.title = `${floorLabel(f.floor)}, ${heatmap.hours[i].label}: ${fmtInt(f.assistance[i])} assistance, ${fmtInt(f.emergency[i])} emergency`;
          tr.append(td);
        });
        tr.append(cell('td', fmtInt(f[measure].reduce((a, b) => a + b, 0)), 'total'));
        return tr;
      }),
    );
  }

  function ago(iso) {
    const s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return `${s} s ago`;
    if (s < 3600) return `${Math.floor(s / 60)} min ago`;
    if (s < 86400) return `${Math.floor(s / 3600)} h ago`;
    return `${Math.floor(s / 86400)} days ago`;
  }

  function renderEmergencies(list) {
    const card = $('card-emergencies');
    const first = state.seenEmergencies === undefined;
    const seen = state.seenEmergencies || new Set();
    const fresh = first ? [] : list.filter((e) => !seen.has(e.id));
    state.seenEmergencies = new Set([...seen, ...list.map((e) => e.id)]);

    const ol = $('emergency-list');
    ol.replaceChildren(
      ...list.map((e) => {
        const li = document.createElement('li');
        li.dataset.id = e.id;
        if (fresh.some((f) => f.id === e.id)) li.classList.add('new');
        if (Date.now() - Date.parse(e.at) < RECENT_EMERGENCY_MS) li.classList.add('recent');
        const time = document.createElement('time');
        time.dateTime = e.at;
        time.className = 'when';
        time.textContent = e.localTime;
        const what = document.createElement('span');
        what.className = 'where';
        what.textContent = e.name;
        const floor = document.createElement('span');
        floor.className = 'floor';
        floor.textContent = floorLabel(e.floor);
        const age = document.createElement('span');
        age.className = 'age';
        age.textContent = Date.now() - Date.parse(e.at) < DAY_MS ? ago(e.at) : '';
        li.append(time, what, floor, age);
        return li;
      }),
    );
    setEmpty('card-emergencies', list.length === 0);
    const latest = list[0];
    card.classList.toggle(
      'alert',
      Boolean(latest && Date.now() - Date.parse(latest.at) < RECENT_EMERGENCY_MS),
    );
    $('emergency-age').textContent = !latest
      ? ''
      : Date.now() - Date.parse(latest.at) < DAY_MS
        ? `latest ${ago(latest.at)}`
        : `latest on ${latest.localTime.slice(0, 10)}`;
    if (fresh.length > 0) {
      state.titleUntil = Date.now() + 60_000;
      document.title = `(${fresh.length}) New emergency – Museum dashboards`;
      card.classList.remove('flash');
      void card.offsetWidth; // restart the animation
      card.classList.add('flash');
    } else if (state.titleUntil && Date.now() > state.titleUntil) {
      state.titleUntil = undefined;
      document.title = BASE_TITLE;
    }
  }

  /** What the Pinterest page's script (pinterest.js) draws with: the same charts, cards and notice. */
  const PAGE = { $, chart, setEmpty, showNotice, fmtInt, getJson, stackedScales, PALETTE };

  // ---- start -------------------------------------------------------------------------------------

  function start() {
    document.body.classList.add(`view-${VIEW}`);
    $(`view-${VIEW}`).hidden = false;
    $(`tab-${VIEW}`).setAttribute('aria-current', 'page');
    document.title = BASE_TITLE;
    if (window.matchMedia && window.matchMedia('(max-width: 640px)').matches) {
      Chart.defaults.font.size = 11;
    }
    syncForm();
    $('filters').addEventListener('change', onFormChange);
    $('filters').addEventListener('submit', (ev) => ev.preventDefault());
    for (const b of document.querySelectorAll('[data-preset]')) {
      b.addEventListener('click', () => applyPreset(b.dataset.preset));
    }
    $('clear-filters').addEventListener('click', () => setUrlFilters(new URLSearchParams()));
    window.addEventListener('popstate', () => {
      state.seenEmergencies = undefined;
      syncForm();
      refreshSoon();
    });
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden) refreshSoon();
    });
    tick();
  }

  start();
})();
