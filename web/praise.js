'use strict';

// Praise as oneself: the month's allowance left, a form to send praise, and the praise the agent
// sent and received.
const { el, t } = Plaudit;

async function showAllowance() {
  const allowance = document.getElementById('allowance');
  try {
    const a = await Plaudit.call('PraiseService', 'GetPraiseAllowance', {});
    allowance.textContent = t('praise.left', a.left, a.monthly, a.month);
    allowance.dataset.value = String(a.left);
    document.querySelector('#send button').disabled = a.left <= 0;
  } catch (error) {
    allowance.textContent = error.message;
  }
}

async function showFeed() {
  const feed = document.getElementById('feed');
  try {
    const listed = await Plaudit.call('PraiseService', 'ListPraise', { page_size: 50 });
    feed.replaceChildren(listed.praise.length ? praiseList(listed.praise) : el('p', {}, t('praise.none')));
  } catch (error) {
    Plaudit.showError(feed, error);
  }
}

async function load() {
  const who = document.getElementById('who');
  try {
    const identity = await Plaudit.identity();
    if (!identity.agent_id) {
      who.textContent = t('praise.not_agent', identity.subject);
      document.getElementById('send').hidden = true;
    } else {
      who.textContent = t('me.agent', identity.agent_id);
      await showAllowance();
    }
  } catch (error) {
    who.textContent = t('signin.failed', error.message);
    return;
  }
  await showFeed();
}

// One request id per praise being sent: sending again after a failure, or a second click, sends
// it once; it is renewed once the praise is sent.
let requestId = null;

document.getElementById('send').addEventListener('submit', async (event) => {
  event.preventDefault();
  requestId = requestId || 'web-' + Date.now() + '-' + Math.random().toString(36).slice(2);
  const result = document.getElementById('result');
  const to = document.getElementById('to').value.trim();
  try {
    await Plaudit.call('PraiseService', 'SendPraise', {
      to_agent_id: to,
      message: document.getElementById('message').value,
      value: document.getElementById('value').value.trim(),
      request_id: requestId,
    });
    requestId = null;
    result.textContent = t('praise.sent', to);
    document.getElementById('message').value = '';
  } catch (error) {
    result.textContent = error.message;
  }
  await showAllowance();
  await showFeed();
});

Plaudit.ready.then(Plaudit.requireSignIn).then(load);
