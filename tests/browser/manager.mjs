// A manager signs in through the organisation's issuer, finds the award waiting in their queue and approves it; the page reports
// the new state (the harness then checks it with the CLI). No console error; axe-core clean.
//
// Then the award's manual reward opens a task for the manager's role: they complete it on the
// page with a note. The praise feed shows PRAISE_MESSAGE.
//
// node manager.mjs BASE_URL SUBJECT AWARD_ID PRAISE_MESSAGE ARTIFACTS_DIR
import { Session, signInThroughIssuer } from './browser.mjs';

const [base, subject, awardId, praiseMessage, artifacts] = process.argv.slice(2);
if (!artifacts) {
  console.error('usage: node manager.mjs BASE_URL SUBJECT AWARD_ID PRAISE_MESSAGE ARTIFACTS_DIR');
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

  // The approved award's manual reward becomes a task; the page shows it once it is opened.
  const task = `#tasks tr[data-task]`;
  for (let i = 0; i < 40 && !(await page.$(task)); ++i) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    await page.reload({ waitUntil: 'networkidle0' });
  }
  await page.waitForSelector(task, { timeout: 10000 });
  const feed = await page.$eval('#praise', (n) => n.textContent);
  session.check(feed.includes(praiseMessage), `the praise feed does not show "${praiseMessage}": ${feed}`);
  await session.audit('manager-tasks');
  await page.type(`${task} input[name=note]`, 'booked for Friday');
  await page.click(`${task} button[data-action=complete]`);
  await page.waitForFunction(() => document.getElementById('task-result').textContent.includes(':'),
                             { timeout: 10000 });
  const done = await page.$eval('#task-result', (n) => n.textContent);
  session.check(done.endsWith(': done'), `after completing the task: "${done}"`);
}, 'manager: approved from the queue, completed the task, saw the praise; no console error; axe clean');
