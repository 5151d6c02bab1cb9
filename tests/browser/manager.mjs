// A manager signs in through the organisation's issuer, finds the award waiting in their queue and approves it; the page reports
// the new state (the harness then checks it with the CLI). No console error; axe-core clean.
//
// node manager.mjs BASE_URL SUBJECT AWARD_ID ARTIFACTS_DIR
import { Session, signInThroughIssuer } from './browser.mjs';

const [base, subject, awardId, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node manager.mjs BASE_URL SUBJECT AWARD_ID ARTIFACTS_DIR');
  process.exit(2);
}
const session = new Session(artifacts);

await session.run(async (page) => {
  await signInThroughIssuer(page, base, subject, 'manager', '/manager.html');
  const row = `#queue tr[data-award="${awardId}"]`;
  await page.waitForSelector(row, { timeout: 10000 });
  await session.audit('manager-queue');
  await page.type(`${row} input[name=reason]`, 'well earned');
  await page.click(`${row} button[data-action=approve]`);
  await page.waitForFunction((id) => {
    const text = document.getElementById('result').textContent;
    return text.startsWith(id + ': ') && !text.includes('proposed');
  }, { timeout: 10000 }, awardId);
  const result = await page.$eval('#result', (n) => n.textContent);
  session.check(/: (approved|fulfilling|fulfilled)/.test(result), `after approving: "${result}"`);
  session.check(!(await page.$(row)), 'the approved award is still in the queue');
  await session.screenshot('manager-approved');
}, 'manager: the award was approved from the queue; no console error; axe clean');
