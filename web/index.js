'use strict';

async function showWho() {
  const who = document.getElementById('who');
  if (!Plaudit.signedIn()) {
    who.textContent = 'Not signed in.';
    return;
  }
  try {
    const identity = await Plaudit.call('AccessService', 'WhoAmI', {});
    who.textContent = 'Signed in as ' + identity.subject +
        (identity.agent_id ? ' (agent ' + identity.agent_id + ')' : '') +
        ', roles: ' + (identity.roles.join(', ') || 'none') + '.';
  } catch (error) {
    who.textContent = 'Not signed in: ' + error.message;
  }
}

document.getElementById('signin').addEventListener('submit', (event) => {
  event.preventDefault();
  Plaudit.signIn(document.getElementById('token').value.trim(),
                 document.getElementById('actor').value.trim());
  showWho();
});
showWho();
