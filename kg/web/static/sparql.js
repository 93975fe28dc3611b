// SPARQL workbench: run the editor's query against /sparql, show rows as a table and errors readably.
(function () {
  'use strict';
  const form = document.getElementById('sparql-form');
  const editor = document.getElementById('query');
  const run = document.getElementById('run');
  const status = document.getElementById('sparql-status');
  const out = document.getElementById('sparql-output');
  if (!form || !editor) return;
  const endpoint = form.dataset.endpoint;
  const conceptBase = form.dataset.conceptBase;
  const conceptPath = form.dataset.conceptPath;
  const ACCEPT = 'application/sparql-results+json, text/turtle;q=0.9, */*;q=0.1';
  let controller = null;

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  function localHref(iri) {
    if (conceptBase && iri.startsWith(conceptBase)) {
      return conceptPath.replace('__ID__', encodeURIComponent(iri.slice(conceptBase.length)));
    }
    return iri;
  }

  // prefix -> namespace, from the server's own namespace constants (kg.web.sparql.SHORT_FORMS)
  const PREFIXES = Object.entries(JSON.parse(form.dataset.prefixes || '{}')).map(([p, ns]) => [p + ':', ns]);
  function shorten(iri) {
    for (const [p, ns] of PREFIXES) if (iri.startsWith(ns)) return p + iri.slice(ns.length);
    return iri;
  }

  function cell(term) {
    const td = el('td');
    if (!term) return td;
    if (term.type === 'uri') {
      const href = localHref(term.value);
      if (href !== term.value || /^https?:/.test(term.value)) {
        const a = el('a', null, shorten(term.value));
        a.href = href;
        a.title = term.value;
        a.lang = 'en';
        td.appendChild(a);
      } else {
        td.appendChild(el('code', null, term.value));
      }
    } else if (term.type === 'bnode') {
      td.appendChild(el('code', null, '_:' + term.value));
    } else {
      const span = el('span', null, term.value);
      if (term['xml:lang']) span.lang = term['xml:lang'];
      td.appendChild(span);
      if (term['xml:lang']) td.appendChild(el('span', 'lang', '@' + term['xml:lang']));
      else if (term.datatype && !term.datatype.endsWith('#string')) td.appendChild(el('span', 'dt', shorten(term.datatype)));
    }
    return td;
  }

  function showTable(data, ms, truncated) {
    out.replaceChildren();
    if (typeof data.boolean === 'boolean') {
      out.appendChild(el('p', 'card', 'ASK の結果: ' + (data.boolean ? 'true(はい)' : 'false(いいえ)')));
      status.textContent = '完了(' + ms + ' ms)';
      return;
    }
    const vars = (data.head && data.head.vars) || [];
    const rows = (data.results && data.results.bindings) || [];
    status.textContent = rows.length + '行(' + ms + ' ms)' + (truncated ? '— 上限で打ち切り' : '');
    if (!rows.length) {
      out.appendChild(el('p', 'notice', '該当する行はありません(0行)。'));
      return;
    }
    const wrap = el('div', 'table-wrap');
    const table = el('table', 'results');
    table.id = 'results-table';
    const caption = el('caption', 'visually-hidden', 'クエリ結果 ' + rows.length + '行');
    table.appendChild(caption);
    const thead = el('thead');
    const tr = el('tr');
    for (const v of vars) {
      const th = el('th', null, '?' + v);
      th.scope = 'col';
      th.lang = 'en';
      tr.appendChild(th);
    }
    thead.appendChild(tr);
    table.appendChild(thead);
    const tbody = el('tbody');
    for (const b of rows) {
      const row = el('tr');
      for (const v of vars) row.appendChild(cell(b[v]));
      tbody.appendChild(row);
    }
    table.appendChild(tbody);
    wrap.appendChild(table);
    out.appendChild(wrap);
  }

  function showText(text, ms) {
    out.replaceChildren();
    const pre = el('pre', 'raw', text);
    pre.lang = 'en';
    out.appendChild(pre);
    status.textContent = '完了(' + ms + ' ms)';
  }

  function showError(title, detail, extra) {
    out.replaceChildren();
    const box = el('div', 'error');
    box.id = 'sparql-error';
    box.setAttribute('role', 'alert');
    box.appendChild(el('strong', null, title));
    if (detail) box.appendChild(el('p', null, detail));
    if (extra) box.appendChild(el('p', 'meta', extra));
    out.appendChild(box);
    status.textContent = 'エラー';
  }

  const TITLES = {
    400: 'クエリに誤りがあります', 403: 'このクエリは実行できません', 406: 'この形式では返せません',
    413: '結果が大きすぎます', 415: '送信形式が違います', 500: 'サーバーの内部エラーです',
    503: '時間切れか、サービスの準備ができていません',
  };

  function markLine(line, column) {
    // Put the caret where the parser stopped, so the error can be fixed in place.
    const lines = editor.value.split('\n');
    if (!line || line > lines.length) return;
    let pos = 0;
    for (let i = 0; i < line - 1; i++) pos += lines[i].length + 1;
    pos += Math.max(0, Math.min((column || 1) - 1, lines[line - 1].length));
    editor.focus();
    editor.setSelectionRange(pos, pos);
  }

  async function execute() {
    const query = editor.value;
    if (!query.trim()) {
      showError('クエリが空です', 'SPARQL クエリを入力するか、例を選んでください。');
      return;
    }
    if (controller) controller.abort();
    controller = new AbortController();
    run.disabled = true;
    status.textContent = '実行中…';
    const started = performance.now();
    try {
      const r = await fetch(endpoint, {
        method: 'POST',
        headers: { Accept: ACCEPT, 'Content-Type': 'application/x-www-form-urlencoded;charset=UTF-8' },
        body: new URLSearchParams({ query }),
        signal: controller.signal,
      });
      const ms = Math.round(performance.now() - started);
      const type = (r.headers.get('Content-Type') || '').toLowerCase();
      if (!r.ok) {
        let title = TITLES[r.status] || 'エラー', detail = '', extra = 'HTTP ' + r.status;
        if (type.includes('json')) {
          const p = await r.json().catch(() => ({}));
          if (p.title) extra = p.title + '(HTTP ' + r.status + ')';
          detail = p.detail || '';
          if (p.line) {
            extra += ' — ' + p.line + '行目' + (p.column ? ' ' + p.column + '文字目' : '');
            markLine(p.line, p.column);
          }
        } else {
          detail = (await r.text()).slice(0, 500);
        }
        showError(title, detail, extra);
        return;
      }
      if (type.includes('sparql-results+json') || type.includes('application/json')) {
        showTable(await r.json(), ms, r.headers.get('X-KG-Truncated') === 'true');
      } else {
        showText(await r.text(), ms);
      }
      try { history.replaceState(null, '', '#query=' + encodeURIComponent(query)); } catch (e) { /* ignore */ }
    } catch (err) {
      if (err.name !== 'AbortError') showError('サーバーに接続できません', err.message);
    } finally {
      run.disabled = false;
    }
  }

  form.addEventListener('submit', (e) => {
    e.preventDefault();
    execute();
  });
  editor.addEventListener('keydown', (e) => {
    if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
      e.preventDefault();
      execute();
    }
  });
  for (const b of document.querySelectorAll('button.example')) {
    b.addEventListener('click', () => {
      editor.value = b.dataset.query;
      for (const o of document.querySelectorAll('button.example')) o.setAttribute('aria-pressed', o === b ? 'true' : 'false');
      execute();
    });
  }
  // A query shared by link (#query=…) opens in the editor.
  const m = location.hash.match(/^#query=(.*)$/s);
  if (m) {
    try {
      editor.value = decodeURIComponent(m[1]);
      for (const o of document.querySelectorAll('button.example')) o.setAttribute('aria-pressed', 'false');
    } catch (e) { /* ignore a malformed hash */ }
  }
})();
