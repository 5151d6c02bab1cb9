'use strict';

// The first page: sign in through the organisation's issuer when plauditd offers it, else (and
// for kiosks and scripts) with a token; who is signed in; why signing in failed, when it did.
async function showWho() {
  const who = document.getElementById('who');
  const session = await Plaudit.session();
  document.getElementById('signin-issuer').hidden = !session.sign_in;
  document.getElementById('signin-token').open = !session.sign_in;
  // The server names why signing in failed with a code; the words are the page's.
  const problem = new URLSearchParams(location.search).get('sign_in_error');
  if (problem) {
    const messages = { issuer_unreachable: 'signin.error_unreachable', refused: 'signin.error_refused' };
    document.getElementById('signin-problem').textContent = Plaudit.t(messages[problem] || 'signin.error_failed');
  }
  if (!(await Plaudit.signedIn())) {
    who.textContent = Plaudit.t('signin.none');
    return;
  }
  document.getElementById('signout').hidden = false;
  try {
    const identity = await Plaudit.identity();
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
document.getElementById('signin-issuer').addEventListener('click', () => {
  location.assign(Plaudit.signInUrl('/me.html'));
});
document.getElementById('signout').addEventListener('click', () => Plaudit.signOut());
Plaudit.ready.then(showWho);
