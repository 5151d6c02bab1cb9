// A winner reveals their gift card's code on their page, and it is the code `plaudit rewards
// code` shows them; another agent's request for it through the API is refused, and their page
// offers nothing to reveal. No console error; axe-core clean.
//
// The winner's leave balance and parking booking from the same award show there too, and the
// page is in the winner's language (their locale column).
//
// node gift_code.mjs BASE_URL WINNER_TOKEN OTHER_TOKEN IDEMPOTENCY_KEY EXPECTED_CODE LEAVE_HOURS SPOT ARTIFACTS_DIR
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Session, signIn } from './browser.mjs';

const [base, winnerToken, otherToken, key, expectedCode, expectedLeave, expectedSpot, artifacts] =
    process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node gift_code.mjs BASE_URL WINNER_TOKEN OTHER_TOKEN IDEMPOTENCY_KEY EXPECTED_CODE LEAVE_HOURS SPOT ARTIFACTS_DIR');
  process.exit(2);
}
const session = new Session(artifacts);
const check = session.check.bind(session);

await session.run(async (page) => {
  await signIn(page, base, winnerToken);
  await page.goto(base + '/me.html', { waitUntil: 'networkidle0' });
  const button = '#awards button[data-action="reveal"]';
  await page.waitForSelector(button, { timeout: 10000 });
  // The winner's locale column says Swedish: the page is in Swedish without being asked.
  const language = await page.evaluate(() => document.documentElement.lang);
  check(language === 'sv', `the page is in "${language}", the agent's locale is sv`);
  const reveal = await page.$eval(button, (n) => n.textContent);
  check(reveal !== 'Show the code', `the reveal button is in English: "${reveal}"`);
  check(!(await page.evaluate((code) => document.body.innerText.includes(code), expectedCode)),
        'the code is on the page before it was asked for');
  await page.click(button);
  await page.waitForFunction(() => {
    const shown = document.querySelector('#awards [data-field="code"]');
    return shown && shown.textContent.length > 0;
  }, { timeout: 10000 });
  const shown = await page.$eval('#awards [data-field="code"]', (n) => n.textContent);
  check(shown === expectedCode, `revealed "${shown}", plaudit rewards code shows "${expectedCode}"`);
  await session.audit('gift-code');
  // The same award's leave and parking rewards, on the same page.
  await page.waitForSelector('#leave-section:not([hidden])', { timeout: 10000 });
  const leave = await page.$eval('#leave', (n) => n.dataset.value);
  check(leave === expectedLeave, `leave shown: ${leave} hours, expected ${expectedLeave}`);
  await page.waitForSelector('#parking-section:not([hidden])', { timeout: 10000 });
  const spot = await page.$eval('#parking li', (n) => n.dataset.spot);
  check(spot === expectedSpot, `parking spot shown: ${spot}, expected ${expectedSpot}`);

  // The certificate: its PDF downloads, and its verification link says it is valid.
  const downloads = path.join(artifacts, 'downloads');
  rmSync(downloads, { recursive: true, force: true });
  mkdirSync(downloads, { recursive: true });
  const cdp = await page.createCDPSession();
  await cdp.send('Browser.setDownloadBehavior', { behavior: 'allow', downloadPath: downloads });
  await page.click('#awards button[data-action="download"]');
  let pdf = null;
  for (let i = 0; i < 100 && !pdf; ++i) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    pdf = readdirSync(downloads).find((name) => name.endsWith('.pdf'));
  }
  check(pdf !== undefined && pdf !== null, 'no PDF was downloaded');
  if (pdf) {
    const head = readFileSync(path.join(downloads, pdf)).subarray(0, 5).toString('latin1');
    check(head === '%PDF-', `the downloaded ${pdf} starts with "${head}", not %PDF-`);
    // Printed in the winner's language, Swedish.
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', path.join(downloads, pdf), '-']).toString();
    check(text.includes('Intyg om erkännande'), `the certificate is not in Swedish: ${text}`);
  }
  await page.waitForSelector('#awards a[data-field="verify"]', { timeout: 10000 });
  await Promise.all([page.waitForNavigation(), page.click('#awards a[data-field="verify"]')]);
  await page.waitForSelector('#verdict[data-value]', { timeout: 10000 });
  const verdict = await page.$eval('#verdict', (n) => n.dataset.value);
  check(verdict === 'valid', `the certificate's verification says "${verdict}"`);
  await session.audit('verify');
  await page.goto(base + '/me.html', { waitUntil: 'networkidle0' });

  // Another agent, through the API itself: refused, and the code is not in the answer.
  const answer = await fetch(`${base}/api/v1/plaudit.v1.PluginService/QueryPlugin`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${otherToken}` },
    body: JSON.stringify({ plugin: 'gift_card', method: 'code', args: { idempotency_key: key } }),
  });
  const body = await answer.text();
  check(answer.status === 403 || answer.status === 404,
        `another agent asking for the code: HTTP ${answer.status}`);
  check(!body.includes(expectedCode), 'another agent was sent the code');
  // And their own page has no code to reveal.
  await page.evaluate(() => sessionStorage.clear());
  await signIn(page, base, otherToken);
  await page.goto(base + '/me.html', { waitUntil: 'networkidle0' });
  check(!(await page.$(button)), "another agent's page offers a code to reveal");
  // Asked from their page in Persian, the refusal says so in Persian, with plauditd's reason.
  await page.goto(base + '/me.html?lang=fa', { waitUntil: 'networkidle0' });
  const refused = await session.expectingRefusals(() => page.evaluate(async (key) => {
    await Plaudit.ready;
    try {
      await Plaudit.call('PluginService', 'QueryPlugin',
                         { plugin: 'gift_card', method: 'code', args: { idempotency_key: key } });
      return null;
    } catch (error) {
      return { message: error.message, code: error.code, detail: error.detail,
               headline: Plaudit.t('error.' + error.code) };
    }
  }, key));
  check(refused !== null, 'another agent was given the code from their page');
  if (refused) {
    check(/[\u0600-\u06FF]/.test(refused.headline) && refused.message.startsWith(refused.headline) &&
          refused.message.includes(refused.detail),
          `the refusal in Persian reads "${refused.message}" (${refused.code})`);
  }
}, "gift card: the winner revealed their code, saw their leave and parking; another agent was refused; no console error; axe clean");
