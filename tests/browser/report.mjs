// The HTML program report in headless Chromium, opened from its file: no console error, no
// request beyond the file itself (it is self-contained), axe-core clean, its plots drawn, and
// every figure it shows equal to the same figure of `plaudit report -o json` (each cell's
// data-figure names the figure's path in the JSON; the cell shows it to four decimals).
//
// node report.mjs REPORT_HTML REPORT_JSON ARTIFACTS_DIR
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { Session } from './browser.mjs';

const [htmlFile, jsonFile, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node report.mjs REPORT_HTML REPORT_JSON ARTIFACTS_DIR');
  process.exit(2);
}
const report = JSON.parse(readFileSync(jsonFile, 'utf8'));
const session = new Session(artifacts);
const check = session.check.bind(session);
const url = pathToFileURL(htmlFile).href;

// The value at a dotted path ("periods.0.participation.ranked"); absent numbers are 0, as the JSON
// leaves out zeros.
function at(path) {
  let value = report;
  for (const key of path.split('.')) {
    if (value === undefined || value === null) return undefined;
    value = value[key];
  }
  return value === undefined ? 0 : value;
}

await session.run(async (page) => {
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url, { waitUntil: 'networkidle0' });
  check(requests.every((r) => r === url), `requests beyond the file: ${requests.filter((r) => r !== url)}`);
  const figures = await page.$$eval('[data-figure]', (cells) =>
    cells.map((c) => ({ path: c.dataset.figure, shown: c.textContent.trim() })));
  check(figures.length > 40, `figures shown: ${figures.length}`);
  let compared = 0;
  for (const { path, shown } of figures) {
    const want = Number(at(path));
    const got = Number(shown.replace(/,/g, ''));
    if (!Number.isFinite(got) || Math.abs(got - want) > 0.5e-4 * Math.max(1, Math.abs(want))) {
      check(false, `${path}: the page shows ${shown}, the JSON says ${at(path)}`);
    }
    compared += 1;
  }
  check(compared === figures.length, 'every figure compared');
  const plots = await page.$$eval('svg[role=img]', (svgs) => svgs.map((s) => s.getAttribute('aria-label')));
  for (const plot of ['Scores of eligible competitors by peer group', 'Spend per period against the budget',
                      'Effect estimates with their 95% intervals']) {
    check(plots.includes(plot), `the plot "${plot}" is drawn (plots: ${plots})`);
  }
  check(plots.some((p) => p.startsWith('Win share against eligible share by')), 'a fairness plot');
  const title = await page.title();
  check(title.includes(report.name), `title: ${title}`);
  await session.audit('report');
}, `PASS: the HTML report shows the figures of -o json, self-contained (screenshot in ${artifacts})`);
