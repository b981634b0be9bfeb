/* global window, document */
// The Pinterest insights page: draws the reporting views' answers with app.js's charts and cards.
'use strict';

(() => {
  const legend = { legend: { position: 'bottom', labels: { boxWidth: 12 } } };

  /**
   * One dataset per category, each holding its bars only, stacked: the legend then names the
   * categories, and every bar keeps its colour from chart to chart.
   */
  function byCategory(page, rows, labelOf) {
    const categories = [...new Set(rows.map((r) => r.category))].sort();
    return {
      labels: rows.map(labelOf),
      datasets: categories.map((category, i) => ({
        label: category,
        data: rows.map((r) => (r.category === category ? r.posts : null)),
        backgroundColor: page.PALETTE[i % page.PALETTE.length],
      })),
    };
  }

  function renderTopPosters(page, posters) {
    page.$('kpi-top-country').textContent = posters.top ? posters.top.country : '–';
    page.$('kpi-top-poster').textContent = posters.top
      ? `${posters.top.posterName}, ${page.fmtInt(posters.top.followers)} followers`
      : '';
    page.$('top-posters').tBodies[0].replaceChildren(
      ...posters.countries.map((p) => {
        const tr = document.createElement('tr');
        tr.dataset.country = p.country;
        for (const [text, cls] of [
          [p.country, 'country'],
          [p.posterName, 'name'],
          [page.fmtInt(p.followers), 'num followers'],
        ]) {
          const td = document.createElement('td');
          td.className = cls;
          td.textContent = text;
          tr.append(td);
        }
        return tr;
      }),
    );
    page.setEmpty('card-top-posters', posters.countries.length === 0);
  }

  async function refresh(page) {
    const [countries, years, ages, joinYears, joined, posters] = await Promise.all([
      page.getJson('/api/pinterest/top-category-by-country', new window.URLSearchParams('limit=25')),
      page.getJson('/api/pinterest/top-category-by-year'),
      page.getJson('/api/pinterest/followers-by-age-group'),
      page.getJson('/api/pinterest/followers-by-join-year'),
      page.getJson('/api/pinterest/users-joined-by-year'),
      page.getJson('/api/pinterest/top-posters', new window.URLSearchParams('limit=25')),
    ]);

    page.$('kpi-countries').textContent = page.fmtInt(countries.countryCount);
    page.$('kpi-users-joined').textContent = page.fmtInt(joined.total);
    renderTopPosters(page, posters);
    const any = countries.countryCount > 0 || joined.years.length > 0 || ages.ageGroups.length > 0;
    page.showNotice(
      any
        ? undefined
        : 'No Pinterest posts have been loaded yet. When posts arrive (live or from the nightly batch) they will appear here within seconds.',
    );

    page.$('category-country-label').textContent =
      countries.countryCount > countries.countries.length
        ? `posts in it, the ${countries.countries.length} countries with the most of ${page.fmtInt(countries.countryCount)}`
        : 'posts in it';
    page.setEmpty('card-category-country', countries.countries.length === 0);
    page.chart('chart-category-country', {
      type: 'bar',
      data: byCategory(page, countries.countries, (c) => c.country),
      options: { indexAxis: 'y', scales: page.stackedScales(), plugins: legend },
    });

    page.setEmpty('card-category-year', years.years.length === 0);
    page.chart('chart-category-year', {
      type: 'bar',
      data: byCategory(page, years.years, (y) => String(y.year)),
      options: { scales: page.stackedScales(), plugins: legend },
    });

    page.setEmpty('card-users-joined', joined.years.length === 0);
    page.chart('chart-users-joined', {
      type: 'bar',
      data: {
        labels: joined.years.map((y) => String(y.year)),
        datasets: [
          { label: 'Users joined', data: joined.years.map((y) => y.users), backgroundColor: page.PALETTE[0] },
        ],
      },
      options: { scales: page.stackedScales(), plugins: { legend: { display: false } } },
    });

    page.setEmpty('card-followers-age', !ages.ageGroups.some((g) => g.medianFollowers !== null));
    page.chart('chart-followers-age', {
      type: 'bar',
      data: {
        labels: ages.ageGroups.map((g) => g.ageGroup),
        datasets: [
          {
            label: 'Median followers',
            data: ages.ageGroups.map((g) => g.medianFollowers),
            backgroundColor: page.PALETTE[2],
          },
        ],
      },
      options: { scales: { y: { beginAtZero: true } }, plugins: { legend: { display: false } } },
    });

    page.setEmpty('card-followers-join', joinYears.years.length === 0);
    page.chart('chart-followers-join', {
      type: 'line',
      data: {
        labels: joinYears.years.map(String),
        datasets: [
          {
            label: 'All ages',
            data: joinYears.medianFollowers,
            borderColor: '#000000',
            backgroundColor: '#000000',
          },
          ...joinYears.ageGroups.map((g, i) => ({
            label: g.ageGroup,
            data: g.medianFollowers,
            borderColor: page.PALETTE[i % 7],
            backgroundColor: page.PALETTE[i % 7],
            spanGaps: true,
          })),
        ],
      },
      options: { scales: { y: { beginAtZero: true } }, plugins: legend },
    });
  }

  window.MuseumPinterest = { refresh };
})();
