// What every page shares: calling the JSON API with the signed-in caller's credentials, and
// small helpers to build the page. Plain browser JavaScript, no framework, nothing fetched from
// elsewhere.
'use strict';

const Plaudit = (() => {
  const TOKEN = 'plaudit.token';
  const ACTOR = 'plaudit.actor';

  // Calls SERVICE/METHOD ("AwardService", "ExplainAward") with BODY; resolves to the response,
  // rejects with an Error whose message is the server's.
  async function call(service, method, body) {
    const headers = { 'Content-Type': 'application/json' };
    const token = sessionStorage.getItem(TOKEN);
    const actor = sessionStorage.getItem(ACTOR);
    if (token) headers['Authorization'] = 'Bearer ' + token;
    if (actor) headers['X-Plaudit-Actor'] = actor;
    const response = await fetch('/api/v1/plaudit.v1.' + service + '/' + method, {
      method: 'POST', headers, body: JSON.stringify(body || {}), credentials: 'same-origin',
    });
    const json = await response.json();
    if (!response.ok) {
      const error = new Error(json.error ? json.error.message : response.statusText);
      error.code = json.error ? json.error.code : String(response.status);
      throw error;
    }
    return json;
  }

  // Whether this tab holds credentials (a token, or a development-mode name).
  function signedIn() {
    return Boolean(sessionStorage.getItem(TOKEN) || sessionStorage.getItem(ACTOR));
  }

  function signIn(token, actor) {
    if (token) sessionStorage.setItem(TOKEN, token); else sessionStorage.removeItem(TOKEN);
    if (actor) sessionStorage.setItem(ACTOR, actor); else sessionStorage.removeItem(ACTOR);
  }

  // An element: el('td', {class: 'num'}, '3'). Text is always set as text, never as HTML.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function number(value, digits) {
    if (value === null || value === undefined || Number.isNaN(Number(value))) return '–';
    return Number(value).toLocaleString(document.documentElement.lang || undefined, {
      maximumFractionDigits: digits === undefined ? 2 : digits,
    });
  }

  function showError(container, error) {
    container.replaceChildren(el('p', { class: 'error', role: 'alert' }, error.message));
  }

  return { call, signIn, signedIn, el, number, showError };
})();
