// An agent signs in to the pages through the organisation's issuer (OpenID Connect with PKCE, the
// dev issuer playing the provider) and sees their standing; the figures on the page must equal
// `plaudit awards explain` for them (browser.mjs checks console errors and accessibility). The
// session cookie is HttpOnly, Secure and SameSite=Strict, and the API refuses it without the
// session's CSRF token.
//
// node my_standing.mjs BASE_URL AGENT_ID PROGRAM EXPLAIN_JSON ARTIFACTS_DIR
import { readFileSync } from 'node:fs';
import { Session, signInThroughIssuer } from './browser.mjs';

const [base, agentId, program, explainFile, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node my_standing.mjs BASE_URL AGENT_ID PROGRAM EXPLAIN_JSON ARTIFACTS_DIR');
  process.exit(2);
}
const expected = JSON.parse(readFileSync(explainFile, 'utf8'));
const session = new Session(artifacts);

await session.run(async (page) => {
  await page.goto(base + '/', { waitUntil: 'networkidle0' });
  await session.audit('sign-in');
  const cookie = await signInThroughIssuer(page, base, agentId, 'agent');
  const check = session.check.bind(session);
  check(cookie !== undefined, 'no session cookie after signing in');
  if (cookie) {
    check(cookie.httpOnly, 'the session cookie is not HttpOnly');
    check(cookie.secure, 'the session cookie is not Secure');
    check(cookie.sameSite === 'Strict', `the session cookie is SameSite=${cookie.sameSite}`);
    check(await page.evaluate(() => !document.cookie.includes('plaudit-session')),
          "the page's script can read the session cookie");
    // Outside the page, the cookie alone is refused; with the session's CSRF token it is taken.
    const headers = { 'Content-Type': 'application/json', Cookie: `${cookie.name}=${cookie.value}` };
    const whoAmI = (extra) => fetch(`${base}/api/v1/plaudit.v1.AccessService/WhoAmI`,
                                    { method: 'POST', headers: { ...headers, ...extra }, body: '{}' });
    const bare = await whoAmI({});
    check(bare.status === 403, `the session cookie without X-CSRF-Token: HTTP ${bare.status}`);
    const csrf = (await (await fetch(`${base}/auth/session`, { headers })).json()).csrf_token;
    const taken = await whoAmI({ 'X-CSRF-Token': csrf });
    const who = await taken.json();
    check(taken.status === 200 && who.subject === agentId,
          `the session cookie with its CSRF token: HTTP ${taken.status} ${JSON.stringify(who)}`);
  }
  const card = `[data-program="${program}"]`;
  await page.waitForSelector(`${card} [data-field="score"]`, { timeout: 10000 });
  const shown = await page.evaluate((card) => {
    const value = (selector) => {
      const node = document.querySelector(selector);
      return node ? Number(node.dataset.value) : undefined;
    };
    const metrics = {};
    for (const row of document.querySelectorAll(`${card} tr[data-metric]`)) {
      metrics[row.dataset.metric] = {
        value: Number(row.querySelector('[data-field="value"]').dataset.value),
        contribution: Number(row.querySelector('[data-field="contribution"]').dataset.value),
      };
    }
    return { rank: value(`${card} [data-field="rank"]`), score: value(`${card} [data-field="score"]`),
             metrics };
  }, card);
  check(shown.rank === expected.rank, `rank: page ${shown.rank}, plaudit awards explain ${expected.rank}`);
  check(shown.score === expected.score, `score: page ${shown.score}, plaudit awards explain ${expected.score}`);
  check(expected.metrics.length > 0, 'plaudit awards explain lists no metric');
  for (const m of expected.metrics) {
    const on = shown.metrics[m.metric];
    check(on !== undefined, `metric ${m.metric}: not on the page`);
    if (on === undefined) continue;
    check(on.value === m.value, `${m.metric} value: page ${on.value}, plaudit awards explain ${m.value}`);
    check(on.contribution === m.contribution,
          `${m.metric} contribution: page ${on.contribution}, plaudit awards explain ${m.contribution}`);
  }
  await session.audit('my-standing');
  await page.setViewport({ width: 375, height: 812, isMobile: true });
  await session.screenshot('my-standing-phone');
  await page.setViewport({ width: 1280, height: 900 });

  // In Persian the page reads right to left, in Persian, with the same figures.
  await page.goto(base + '/me.html?lang=fa', { waitUntil: 'networkidle0' });
  await page.waitForSelector(`${card} [data-field="score"]`, { timeout: 10000 });
  const persian = await page.evaluate((card) => ({
    lang: document.documentElement.lang,
    dir: document.documentElement.dir,
    direction: getComputedStyle(document.body).direction,
    title: document.querySelector('h1').textContent,
    rank: Number(document.querySelector(`${card} [data-field="rank"]`).dataset.value),
    cutoff: (document.querySelector(`${card} [data-field="cutoff"]`) || {}).textContent,
    whatIf: [...document.querySelectorAll(`${card} tr[data-metric] td:last-child`)].map((n) => n.textContent),
  }), card);
  check(persian.lang === 'fa', `lang=fa: <html lang> is ${persian.lang}`);
  check(persian.dir === 'rtl' && persian.direction === 'rtl',
        `lang=fa: dir ${persian.dir}, computed direction ${persian.direction}; expected rtl`);
  check(persian.title === 'جایگاه من', `lang=fa: the heading reads "${persian.title}"`);
  check(persian.rank === expected.rank, `lang=fa: rank ${persian.rank}`);
  // What plauditd wrote (the cut-off's basis, why a metric cannot change the outcome) reads in
  // Persian too: worded from its template, never the English sentence.
  check(expected.cutoff_basis_phrases.length > 0 && expected.cutoff_basis_phrases[0].key !== '',
        `plaudit awards explain: the cut-off's basis "${expected.cutoff_basis}" has no phrase key`);
  check(persian.cutoff !== undefined && persian.cutoff.includes('امتیاز') &&
        !persian.cutoff.includes(expected.cutoff_basis),
        `lang=fa: the cut-off reads "${persian.cutoff}", English "${expected.cutoff_basis}"`);
  for (const m of expected.metrics) {
    if (!m.what_if || m.what_if.possible) continue;
    check(!persian.whatIf.includes(m.what_if.reason),
          `lang=fa: ${m.metric}'s what-if is in English: "${m.what_if.reason}"`);
  }
  await session.audit('my-standing-fa', {});
  // The leaderboard: the agent's own row, marked, at the rank explain gives.
  await page.goto(`${base}/leaderboard.html?program=${program}&lang=en`, { waitUntil: 'networkidle0' });
  await page.waitForSelector('#around tr[aria-current="true"]', { timeout: 10000 });
  const board = await page.evaluate(() => ({
    rank: Number(document.querySelector('#around tr[aria-current="true"] [data-field="rank"]').dataset.value),
    top: document.querySelectorAll('#top tbody tr').length,
    names: [...document.querySelectorAll('#top tbody th')].map((n) => n.textContent),
  }));
  check(board.rank === expected.rank, `leaderboard: own rank ${board.rank}, plaudit awards explain ${expected.rank}`);
  check(board.top >= 1 && board.names.every((n) => n.length > 0), `leaderboard: top rows ${JSON.stringify(board.names)}`);
  await session.audit('leaderboard');

  // Every language the pages come in, each at least its heading.
  for (const [lang, title] of [['ms', 'Kedudukan saya'], ['pt', 'A minha classificação'],
                               ['sv', 'Min placering'], ['en', 'My standing']]) {
    await page.goto(`${base}/me.html?lang=${lang}`, { waitUntil: 'networkidle0' });
    const shownTitle = await page.$eval('h1', (n) => n.textContent);
    check(shownTitle === title, `lang=${lang}: the heading reads "${shownTitle}", expected "${title}"`);
    check(await page.evaluate(() => document.documentElement.dir) === 'ltr', `lang=${lang}: not left to right`);
  }
}, 'my standing: the page agrees with plaudit awards explain; no console error; axe clean');
