'use strict';

async function showWho() {
  const who = document.getElementById('who');
  if (!Plaudit.signedIn()) {
    who.textContent = Plaudit.t('signin.none');
    return;
  }
  try {
    const identity = await Plaudit.call('AccessService', 'WhoAmI', {});
    who.textContent = Plaudit.t('signin.as', identity.subject) +
        (identity.agent_id ? ' (' + Plaudit.t('signin.agent', identity.agent_id) + ')' : '') +
        ', ' + Plaudit.t('signin.roles', identity.roles.join(', ') || '–') + '.';
  } catch (error) {
    who.textContent = Plaudit.t('signin.failed', error.message);
  }
}

document.getElementById('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  Plaudit.signIn(document.getElementById('token').value.trim(),
                 document.getElementById('actor').value.trim());
  Plaudit.ready.then(showWho);
});
Plaudit.ready.then(showWho);
