/*
 * exam-engine staff pages: the helpers the proctor console (console.js) and the committee
 * page (committee.js) share, so a fix lands in one place. Plain JS, no build step, no
 * user-facing text of its own: every string comes from the page's message catalogue under
 * the page's prefix (`proctor.`, `committee.`).
 *
 * Loaded with `defer` before the page script, it defines window.Staff:
 *   $(id), readJsonIsland(id), setText(el, text), show(el, visible), el(tag, cls, text)
 *   catalogue(messages) -> {has(key), t(key, params)}       ({name} placeholders)
 *   errorText(i18n, prefix) -> (code, message, params) => text   (<prefix>.error.<code>)
 *   apiClient(base) -> async (method, path, payload) => {ok, status, data, headers, code, message}
 *   notice(text, code), hideNotice()                         (#notice, #notice-text)
 *   formError(id, code, text)                                (p.form-error[data-code])
 *   loginHandler(options) -> the submit handler of #staff-login-form
 */
(function () {
  'use strict';

  function $(id) { return document.getElementById(id); }

  function readJsonIsland(id) {
    const e = document.getElementById(id);
    try {
      const v = JSON.parse((e && e.textContent) || '{}');
      return v && typeof v === 'object' ? v : {};
    } catch (err) {
      return {};
    }
  }

  function setText(e, text) {
    const s = text == null ? '' : String(text);
    if (e && e.textContent !== s) e.textContent = s;
  }
  function show(e, visible) { if (e) e.hidden = !visible; }
  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  /** Catalogue lookup with {name} placeholders. A missing key shows itself. */
  function catalogue(messages) {
    const own = (obj, key) => Object.prototype.hasOwnProperty.call(obj, key);
    function has(key) { return own(messages, key); }
    function t(key, params) {
      let s = has(key) ? String(messages[key]) : key;
      if (params) s = s.replace(/\{(\w+)\}/g, (m, name) => (own(params, name) ? String(params[name]) : m));
      return s;
    }
    return { has: has, t: t };
  }

  /** `<prefix>.error.<code>` with {message} and any params; else `<prefix>.error.unknown` with {code}. */
  function errorText(i18n, prefix) {
    return function (code, message, params) {
      const key = prefix + '.error.' + code;
      if (code && i18n.has(key)) return i18n.t(key, Object.assign({ message: message || '' }, params));
      return i18n.t(prefix + '.error.unknown', { code: message || code || '?' });
    };
  }

  /** JSON in and out; a failure carries the server's error code (or "HTTP <status>", "network"). */
  function apiClient(base) {
    return async function api(method, path, payload) {
      let resp;
      try {
        resp = await fetch(base + path, {
          method: method,
          headers: payload === undefined ? { Accept: 'application/json' }
            : { 'Content-Type': 'application/json', Accept: 'application/json' },
          body: payload === undefined ? undefined : JSON.stringify(payload),
          credentials: 'same-origin',
          cache: 'no-store',
        });
      } catch (err) {
        return { ok: false, status: 0, data: null, code: 'network', message: '' };
      }
      let data = null;
      try { data = await resp.json(); } catch (err) { data = null; }
      const e = (data && data.error) || {};
      return {
        ok: resp.ok, status: resp.status, data: data, headers: resp.headers,
        code: resp.ok ? null : (typeof e.code === 'string' ? e.code : 'HTTP ' + resp.status),
        message: typeof e.message === 'string' ? e.message : '',
      };
    };
  }

  let noticeTimer = null;
  function notice(text, code) {
    setText($('notice-text'), text);
    $('notice').dataset.code = code || '';
    show($('notice'), true);
    clearTimeout(noticeTimer);
    noticeTimer = setTimeout(hideNotice, 10000);
  }
  function hideNotice() {
    clearTimeout(noticeTimer);
    show($('notice'), false);
    $('notice').dataset.code = '';
  }

  function formError(id, code, text) {
    const e = $(id);
    e.dataset.code = code || '';
    setText(e, text || '');
    show(e, !!text);
  }

  /**
   * The staff login form (POST /staff/api/login). options: i18n and prefix (the page's
   * catalogue), api, errorText, signedIn(user) (called on success, its result returned),
   * clearPassword (empty the password field after every attempt). The button shows
   * `<prefix>.login.submitting` while waiting where the catalogue has that key; a
   * rate_limited refusal passes {seconds} from Retry-After (30 when absent).
   */
  function loginHandler(options) {
    const { i18n, prefix, api, errorText: errText, signedIn } = options;
    const busyKey = prefix + '.login.submitting';
    return async function submitLogin(ev) {
      ev.preventDefault();
      const username = $('staff-login-username').value.trim();
      const password = $('staff-login-password').value;
      if (!username || !password) {
        formError('staff-login-error', 'required', i18n.t(prefix + '.login.required'));
        return undefined;
      }
      const btn = $('staff-login-submit');
      const busyText = i18n.has(busyKey);
      btn.disabled = true;
      if (busyText) setText(btn, i18n.t(busyKey));
      const r = await api('POST', '/staff/api/login', { username: username, password: password });
      btn.disabled = false;
      if (busyText) setText(btn, i18n.t(prefix + '.login.submit'));
      if (options.clearPassword) $('staff-login-password').value = '';
      if (r.ok && r.data && r.data.user) {
        formError('staff-login-error', '', '');
        return signedIn(r.data.user);
      }
      let params;
      if (r.code === 'rate_limited') {
        let secs = Number(r.headers && r.headers.get('Retry-After'));
        if (!Number.isFinite(secs) || secs <= 0) secs = 30;
        params = { seconds: Math.ceil(secs) };
      }
      formError('staff-login-error', r.code, errText(r.code, r.message, params));
      return undefined;
    };
  }

  window.Staff = Object.freeze({
    $: $, readJsonIsland: readJsonIsland, setText: setText, show: show, el: el,
    catalogue: catalogue, errorText: errorText, apiClient: apiClient,
    notice: notice, hideNotice: hideNotice, formError: formError, loginHandler: loginHandler,
  });
}());
