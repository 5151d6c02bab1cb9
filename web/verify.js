'use strict';

// Verifies a certificate's credential (an Open Badges VC-JWT) with the certificate plugin: its
// signature, issuer and revocation. The credential comes in the address (#credential=...), as
// My standing links it, or pasted.
async function verify(credential) {
  const verdict = document.getElementById('verdict');
  const report = document.getElementById('report');
  try {
    const answer = await Plaudit.call('PluginService', 'QueryPlugin',
                                      { plugin: 'certificate', method: 'verify', args: { credential } });
    const column = answer.columns.indexOf('verdict');
    const result = column >= 0 && answer.rows.length ? answer.rows[0].cells[column] : '';
    verdict.textContent = Plaudit.t('verify.verdict', result);
    verdict.dataset.value = result;
    report.textContent = answer.text;
  } catch (error) {
    verdict.textContent = error.message;
  }
}

document.getElementById('check').addEventListener('submit', (event) => {
  event.preventDefault();
  verify(document.getElementById('credential').value.trim());
});

Plaudit.ready.then(Plaudit.requireSignIn).then(() => {
  const given = new URLSearchParams(location.hash.slice(1)).get('credential');
  if (given) {
    document.getElementById('credential').value = given;
    verify(given);
  }
});
