/*
 * exam-engine committee page. Plain JS, no build step; text from the `committee.` catalogue keys.
 * Shared staff-page helpers (catalogue, fetch, notice, login form) come from staff.js (window.Staff).
 *
 * Data: GET /staff/api/me (401: log in), POST /staff/api/login, POST /staff/api/logout;
 * GET /committee/api/sessions; GET /committee/api/sessions/<code>/results (polled every
 * POLL_MS while shown, so results follow the session live); POST .../freeze and .../reopen
 * {reason}; GET/POST .../exports {formats, chair}; GET .../exports/<id>/<file>;
 * GET .../item-analysis (rows and the SVG chart) and .../item-analysis.xlsx.
 * The open session is kept in location.hash, so a language switch comes back to it.
 *
 * Automation hooks (stable; tests rely on them):
 *   body[data-screen]   boot | login | picker | results
 *   Login    #staff-login-username, #staff-login-password, #staff-login-submit, #staff-login-error[data-code]
 *   Picker   #session-picker button.session-option[data-code]
 *   Results  #results[data-session][data-frozen=true|false][data-running=N], #results-state, #freeze, #reopen
 *            .formation[data-formation] tr.result-row[data-number][data-result=passed|failed|running|absent]
 *              [data-rank] td[data-field=number|name|rank|<section code>|total|result|advances]
 *              (section and total cells carry data-passed=true|false|"", the advances cell
 *              data-advances=true|false|"" with "" unknown)
 *            .formation p.quota[data-quota] (N × vacancies; data-quota "" without a count),
 *            #advance-problem (formations without a vacancy count; hidden when none)
 *   Dialog   #reason-dialog[data-action=freeze|reopen], #reason-text, #reason-confirm, #reason-cancel,
 *            #reason-error[data-code]
 *   Exports  #export-formats input[name=format][value], #export-create, #export-error[data-code],
 *            #export-list li.export[data-id] a.export-file[data-name]
 *   Analysis #analysis[data-state=idle|loading|ready|error], #analysis-load, #analysis-error[data-code],
 *            #analysis-items tr[data-item][data-flagged], #analysis-chart
 *   Always   #notice[data-code]
 */
(function () {
  'use strict';

  const POLL_MS = 3000;
  const { $, setText, show, el, formError, notice } = window.Staff;
  const body = document.body;
  const BASE = (body.dataset.base || '').replace(/\/+$/, '');
  const LANG = body.dataset.lang || 'id';
  const I18N = Staff.catalogue(Staff.readJsonIsland('messages'));
  const { t, has } = I18N;
  const errorText = Staff.errorText(I18N, 'committee');
  const api = Staff.apiClient(BASE);
  const S = { user: null, code: null, data: null, timer: null, loading: false, chartUrl: null };

  // ---------------------------------------------------------------- helpers (the rest: staff.js)
  function num(value, digits) {
    if (value == null) return t('committee.none');
    const n = Number(value);
    if (digits != null) return n.toLocaleString(LANG, { minimumFractionDigits: digits, maximumFractionDigits: digits });
    return Number.isInteger(n) ? n.toLocaleString(LANG) : n.toLocaleString(LANG, { maximumFractionDigits: 2 });
  }

  function sessionPath(suffix) {
    return '/committee/api/sessions/' + encodeURIComponent(S.code) + suffix;
  }

  /** 401 anywhere means the login ended: back to the login form. True when handled. */
  function loginLost(r) {
    if (r.status !== 401) return false;
    stopPolling();
    S.user = null;
    showLogin();
    formError('staff-login-error', 'login_required', errorText('login_required'));
    return true;
  }

  // ---------------------------------------------------------------- screens
  const SCREENS = ['login', 'picker', 'results'];
  function showScreen(name) {
    for (const s of SCREENS) show($(s), s === name);
    body.dataset.screen = name;
    show($('staff-logout'), name !== 'login');
    if (name === 'login') setText($('user-name'), '');
  }

  function langLink() {
    // the other language opens the same session
    $('lang-switch').setAttribute('href', $('lang-switch').getAttribute('href').split('#')[0]
      + (S.code ? '#' + encodeURIComponent(S.code) : ''));
  }

  // ---------------------------------------------------------------- login
  function showLogin() {
    $('staff-login-password').value = '';
    showScreen('login');
    $('staff-login-username').focus();
  }

  const submitLogin = Staff.loginHandler({
    i18n: I18N, prefix: 'committee', api: api, errorText: errorText, signedIn: signedIn,
  });

  async function signedIn(user) {
    S.user = user;
    const role = has('committee.role.' + user.role) ? t('committee.role.' + user.role) : user.role;
    setText($('user-name'), t('committee.user.signed_in', { name: user.name, role: role }));
    const wanted = decodeURIComponent((location.hash || '').replace(/^#/, ''));
    if (wanted) {
      openSession(wanted);
    } else {
      loadSessions();
    }
  }

  async function logout() {
    stopPolling();
    await api('POST', '/staff/api/logout', {});
    S.user = null;
    S.code = null;
    history.replaceState(null, '', location.pathname + location.search);
    langLink();
    showLogin();
  }

  // ---------------------------------------------------------------- picker
  async function loadSessions() {
    stopPolling();
    S.code = null;
    langLink();
    showScreen('picker');
    formError('picker-error', '', '');
    const r = await api('GET', '/committee/api/sessions');
    if (loginLost(r)) return;
    const list = $('session-picker');
    list.replaceChildren();
    if (!r.ok) {
      formError('picker-error', r.code, errorText(r.code, r.message));
      return;
    }
    for (const s of r.data.sessions) {
      const li = el('li');
      const b = el('button', 'session-option');
      b.type = 'button';
      b.dataset.code = s.code;
      b.append(el('strong', 'session-code', s.code));
      const a = s.attempts || {};
      b.append(el('span', 'session-detail', t('committee.picker.detail', {
        exam: s.exam.title, room: s.room, date: s.date, time: s.start_time, count: s.candidates,
        finished: a.finished || 0,
        state: t(s.results.frozen ? 'committee.state.frozen_short' : 'committee.state.open_short'),
      })));
      b.addEventListener('click', () => openSession(s.code));
      li.append(b);
      list.append(li);
    }
    show($('picker-empty'), r.data.sessions.length === 0);
  }

  // ---------------------------------------------------------------- results
  function stopPolling() {
    clearTimeout(S.timer);
    S.timer = null;
  }

  function openSession(code) {
    stopPolling();
    S.code = code;
    S.data = null;
    history.replaceState(null, '', '#' + encodeURIComponent(code));
    langLink();
    $('results').dataset.session = code;
    setText($('results-title'), t('committee.results.title', { code: code, exam: '' }));
    $('formations').replaceChildren();
    resetAnalysis();
    showScreen('results');
    refresh();
    loadExports();
  }

  async function refresh() {
    stopPolling();
    if (!S.code || S.loading) return;
    S.loading = true;
    const code = S.code;
    const r = await api('GET', sessionPath('/results'));
    S.loading = false;
    if (code !== S.code) return;  // the user moved on meanwhile
    if (loginLost(r)) return;
    if (!r.ok) {
      notice(errorText(r.code, r.message), r.code);
      if (r.status === 404 || r.status === 403) { loadSessions(); return; }
    } else {
      render(r.data);
    }
    S.timer = setTimeout(refresh, POLL_MS);
  }

  function render(data) {
    S.data = data;
    const res = $('results');
    const frozen = !!data.results.frozen;
    res.dataset.frozen = String(frozen);
    res.dataset.running = String(data.running);
    setText($('results-title'), t('committee.results.title', { code: data.session.code, exam: data.session.exam.title }));
    let state = frozen ? t('committee.state.frozen', { by: data.results.by, entry: data.results.entry })
      : t('committee.state.not_frozen');
    if (data.running) state += ' ' + t('committee.state.running', { count: data.running });
    setText($('results-state'), state);
    setText($('results-chain'), t('committee.results.chain', { chain: data.tie_breaks.join(' → ') || '—' }));
    const unset = data.advance.unset || [];
    setText($('advance-problem'), unset.length ? t('committee.results.advance_problem', {
      formations: unset.join(', '), exam: data.session.exam.code,
    }) : '');
    show($('advance-problem'), unset.length > 0);
    show($('freeze'), !frozen);
    show($('reopen'), frozen);
    $('freeze').disabled = data.running > 0;

    const box = $('formations');
    const seen = new Set();
    for (const f of data.formations) {
      seen.add(f.name);
      let sec = box.querySelector('.formation[data-formation="' + CSS.escape(f.name) + '"]');
      if (!sec) {
        sec = el('section', 'formation');
        sec.dataset.formation = f.name;
        box.append(sec);
      }
      sec.replaceChildren(formationHead(f, data), formationTable(f, data));
    }
    for (const sec of Array.from(box.querySelectorAll('.formation'))) {
      if (!seen.has(sec.dataset.formation)) sec.remove();
    }
  }

  function formationHead(f, data) {
    const head = el('div', 'formation-head');
    head.append(el('h2', null, t('committee.results.formation', { name: f.name })));
    const limits = data.sections.filter((s) => f.thresholds.sections[s.code] != null)
      .map((s) => s.code + ' ≥ ' + num(f.thresholds.sections[s.code]));
    if (f.thresholds.total != null) limits.push(t('committee.col.total') + ' ≥ ' + num(f.thresholds.total));
    head.append(el('p', 'thresholds', t('committee.results.thresholds', { limits: limits.join(' · ') || '—' })));
    head.append(el('p', 'counts', t('committee.results.counts', f.counts)));
    // who advances is exam-wide: N × the formation's vacancies, ties at the cut-off included
    const quota = el('p', 'quota', f.quota == null ? t('committee.results.quota_unset')
      : t('committee.results.quota', {
        vacancies: num(f.vacancies), multiple: num(data.advance.multiple), quota: num(f.quota),
        advancing: num(f.advancing),
      }));
    quota.dataset.quota = f.quota == null ? '' : String(f.quota);
    head.append(quota);
    return head;
  }

  function formationTable(f, data) {
    const table = el('table', 'table results-table');
    const tr = el('tr');
    const cols = [t('committee.col.rank'), t('committee.col.number'), t('committee.col.name'),
      ...data.sections.map((s) => s.code), t('committee.col.total'), t('committee.col.result'),
      t('committee.col.advances')];
    for (const c of cols) {
      const th = el('th', null, c);
      th.scope = 'col';
      tr.append(th);
    }
    const thead = el('thead');
    thead.append(tr);
    table.append(thead);
    const tbody = el('tbody');
    for (const row of f.rows) {
      const r = el('tr', 'result-row');
      r.dataset.number = row.number;
      r.dataset.result = row.result;
      r.dataset.rank = row.rank == null ? '' : String(row.rank);
      r.append(cell('rank', row.rank == null ? t('committee.none') : String(row.rank)));
      r.append(cell('number', row.number));
      r.append(cell('name', row.name));
      for (const s of data.sections) {
        const sc = row.sections[s.code] || {};
        r.append(cell(s.code, mark(sc.score, sc.passed, row.provisional), sc.passed));
      }
      r.append(cell('total', mark(row.total, row.total_passed, row.provisional), row.total_passed));
      r.append(cell('result', t('committee.result.' + row.result)));
      const advances = cell('advances', t('committee.advances.'
        + (row.advances == null ? 'unknown' : row.advances ? 'yes' : 'no')));
      advances.dataset.advances = row.advances == null ? '' : String(row.advances);
      r.append(advances);
      tbody.append(r);
    }
    table.append(tbody);
    return table;
  }

  function mark(score, passed, provisional) {
    if (score == null) return t('committee.none');
    let s = num(score);
    if (passed === false) s += ' ✗';  // never colour alone
    if (provisional) s += ' ' + t('committee.result.provisional');
    return s;
  }

  function cell(field, text, passed) {
    const td = el('td', null, text);
    td.dataset.field = field;
    if (passed !== undefined) td.dataset.passed = passed == null ? '' : String(passed);
    return td;
  }

  // ---------------------------------------------------------------- freeze / re-open
  function openDialog(action) {
    const d = $('reason-dialog');
    d.dataset.action = action;
    setText($('reason-title'), t('committee.dialog.' + action, { code: S.code }));
    $('reason-text').value = '';
    formError('reason-error', '', '');
    show(d, true);
    $('reason-text').focus();
  }

  function closeDialog() {
    show($('reason-dialog'), false);
    $('reason-dialog').dataset.action = '';
  }

  async function confirmDialog(ev) {
    ev.preventDefault();
    const action = $('reason-dialog').dataset.action;
    const reason = $('reason-text').value.trim();
    if (!reason) {
      formError('reason-error', 'reason_required', errorText('reason_required'));
      return;
    }
    $('reason-confirm').disabled = true;
    const r = await api('POST', sessionPath('/' + action), { reason: reason });
    $('reason-confirm').disabled = false;
    if (loginLost(r)) return;
    if (!r.ok) {
      formError('reason-error', r.code, errorText(r.code, r.message));
      return;
    }
    closeDialog();
    notice(t('committee.done.' + action, { code: S.code }), action);
    refresh();
  }

  // ---------------------------------------------------------------- exports
  async function loadExports() {
    const code = S.code;
    const r = await api('GET', sessionPath('/exports'));
    if (code !== S.code || loginLost(r)) return;
    if (!r.ok) {
      formError('export-error', r.code, errorText(r.code, r.message));
      return;
    }
    const list = $('export-list');
    list.replaceChildren();
    for (const x of r.data.exports) list.append(exportItem(x));
    show($('export-empty'), r.data.exports.length === 0);
  }

  function exportItem(x) {
    const li = el('li', 'export');
    li.dataset.id = x.id;
    li.append(el('span', 'export-when', t('committee.exports.item', {
      at: x.signed_at ? new Date(x.signed_at).toLocaleString(LANG) : x.id,
      state: t(x.meta && x.meta.frozen ? 'committee.state.frozen_short' : 'committee.state.open_short'),
    })));
    const files = el('span', 'export-files');
    for (const f of x.files) {
      const a = el('a', 'export-file', f.name);
      a.dataset.name = f.name;
      a.href = BASE + sessionPath('/exports/' + encodeURIComponent(x.id) + '/'
        + f.name.split('/').map(encodeURIComponent).join('/'));
      a.setAttribute('download', f.name.split('/').pop());
      files.append(a);
    }
    li.append(files);
    return li;
  }

  async function createExport() {
    const formats = Array.from(document.querySelectorAll('#export-formats input[name=format]:checked'))
      .map((i) => i.value);
    if (!formats.length) {
      formError('export-error', 'bad_format', errorText('bad_format'));
      return;
    }
    formError('export-error', '', '');
    const btn = $('export-create');
    btn.disabled = true;
    const r = await api('POST', sessionPath('/exports'), { formats: formats, chair: $('export-chair').value });
    btn.disabled = false;
    if (loginLost(r)) return;
    if (!r.ok) {
      formError('export-error', r.code, errorText(r.code, r.message));
      return;
    }
    notice(t('committee.done.export', { count: r.data.export.files.length }), 'export');
    loadExports();
  }

  // ---------------------------------------------------------------- item analysis
  function resetAnalysis() {
    $('analysis').dataset.state = 'idle';
    formError('analysis-error', '', '');
    setText($('analysis-summary'), '');
    for (const id of ['analysis-sections', 'analysis-items', 'analysis-chart', 'analysis-xlsx']) show($(id), false);
    if (S.chartUrl) URL.revokeObjectURL(S.chartUrl);
    S.chartUrl = null;
  }

  async function loadAnalysis() {
    resetAnalysis();
    $('analysis').dataset.state = 'loading';
    const code = S.code;
    const r = await api('GET', sessionPath('/item-analysis'));
    if (code !== S.code || loginLost(r)) return;
    if (!r.ok) {
      $('analysis').dataset.state = 'error';
      formError('analysis-error', r.code, errorText(r.code, r.message));
      return;
    }
    const a = r.data;
    setText($('analysis-summary'), t('committee.analysis.summary', {
      exam: a.exam.title, candidates: a.candidates, items: a.items.length, flagged: a.flagged,
    }) + (a.forms_differ ? ' ' + t('committee.analysis.forms_differ') : ''));
    const sections = $('analysis-sections').querySelector('tbody');
    sections.replaceChildren();
    for (const s of a.sections) {
      const tr = el('tr');
      for (const v of [s.name, num(s.items), num(s.mean, 2), num(s.sd, 2), num(s.alpha, 3), num(s.kr20, 3)]) {
        tr.append(el('td', null, v));
      }
      sections.append(tr);
    }
    const items = $('analysis-items').querySelector('tbody');
    items.replaceChildren();
    for (const i of a.items) {
      const tr = el('tr');
      tr.dataset.item = i.id;
      tr.dataset.flagged = String(i.flags.length > 0);
      const review = i.flags.map((f) => (has('committee.flag.' + f) ? t('committee.flag.' + f) : f)).join('; ');
      for (const v of [i.id, i.section, num(i.p, 3), num(i.discrimination, 3), num(i.alpha_if_deleted, 3),
        review || t('committee.none')]) {
        tr.append(el('td', null, v));
      }
      items.append(tr);
    }
    S.chartUrl = URL.createObjectURL(new Blob([a.svg], { type: 'image/svg+xml' }));
    $('analysis-chart').src = S.chartUrl;
    $('analysis-xlsx').href = BASE + sessionPath('/item-analysis.xlsx');
    for (const id of ['analysis-sections', 'analysis-items', 'analysis-chart', 'analysis-xlsx']) show($(id), true);
    $('analysis').dataset.state = 'ready';
  }

  // ---------------------------------------------------------------- boot
  async function boot() {
    $('staff-login-form').addEventListener('submit', submitLogin);
    $('staff-logout').addEventListener('click', logout);
    $('session-change').addEventListener('click', () => {
      history.replaceState(null, '', location.pathname + location.search);
      loadSessions();
    });
    $('freeze').addEventListener('click', () => openDialog('freeze'));
    $('reopen').addEventListener('click', () => openDialog('reopen'));
    $('reason-form').addEventListener('submit', confirmDialog);
    $('reason-cancel').addEventListener('click', closeDialog);
    $('export-create').addEventListener('click', createExport);
    $('analysis-load').addEventListener('click', loadAnalysis);
    $('notice-close').addEventListener('click', () => show($('notice'), false));
    document.addEventListener('keydown', (ev) => {
      if (ev.key === 'Escape' && !$('reason-dialog').hidden) closeDialog();
    });
    const r = await api('GET', '/staff/api/me');
    if (r.ok) {
      await signedIn(r.data.user);
    } else {
      showLogin();
    }
  }

  boot();
}());
