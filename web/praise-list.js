'use strict';

// A list of praise, newest first: who praised whom, when, the message and the value it names.
// Shared by the praise page and the manager's page.
function praiseList(praise) {
  const { el, t } = Plaudit;
  const list = el('ul', { class: 'praise' });
  for (const p of praise) {
    const when = p.sent_at ? new Date(p.sent_at).toLocaleString(document.documentElement.lang || undefined) : '';
    list.append(el('li', { 'data-praise': p.id },
        el('strong', {}, t('praise.from_to', p.from_agent_id, p.to_agent_id)), ' ',
        el('span', { class: 'muted' }, when), el('br', {}),
        p.message, p.value ? el('span', { class: 'muted' }, ' #' + p.value) : null));
  }
  return list;
}
