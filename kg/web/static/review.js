// The review page: each form posts one decision to /rest/v1/curations with the write token.
// The token lives in sessionStorage (this tab only), never in a cookie or the page.
(function () {
  "use strict";
  var KEY = "kg-write-token";
  var tokenInput = document.getElementById("write-token");
  if (!tokenInput) { return; }
  tokenInput.value = sessionStorage.getItem(KEY) || "";
  tokenInput.addEventListener("input", function () { sessionStorage.setItem(KEY, tokenInput.value.trim()); });
  document.getElementById("token-form").addEventListener("submit", function (e) { e.preventDefault(); });

  var NAMES = { confirm: "確定", choose: "候補を採用", rename: "名前を変更", merge: "統合", split: "分割",
                relate: "関係を追加", unrelate: "関係を削除", reject: "除外" };

  function say(item, text, ok) {
    var out = item.querySelector(".result");
    out.textContent = text;
    out.className = "result" + (ok === null ? " pending" : ok ? " ok" : " error");
  }

  document.querySelectorAll(".review-item form, form.review-item").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var item = form.closest(".review-item");
      var action = form.dataset.action;
      if (event.submitter && event.submitter.name === "op") { action = event.submitter.value; }
      var body = { concept: item.dataset.uri, action: action };
      new FormData(form).forEach(function (value, name) {
        if (name !== "op" && String(value).trim() !== "") { body[name] = String(value).trim(); }
      });
      var token = tokenInput.value.trim();
      if (!token) { say(item, "書き込みトークンを入力してください。", false); tokenInput.focus(); return; }
      var buttons = form.querySelectorAll("button");
      buttons.forEach(function (b) { b.disabled = true; });
      say(item, "保存中…", null);
      fetch("/rest/v1/curations", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify(body)
      }).then(function (response) {
        return response.json().then(function (data) { return { status: response.status, data: data }; });
      }).then(function (r) {
        if (r.status === 200 || r.status === 201) {
          var after = r.data.after || {};
          var name = (after.prefLabel && (after.prefLabel.ja || Object.values(after.prefLabel)[0])) || "";
          say(item, NAMES[action] + "しました" + (name ? ":「" + name + "」" : "") + "(" + r.data.seconds + " 秒)", true);
          var pref = item.querySelector(".pref");
          if (name && pref) { pref.textContent = name; }
          item.dataset.done = action;
        } else {
          say(item, (r.data.title || "エラー") + ": " + (r.data.detail || r.status), false);
        }
      }).catch(function (err) {
        say(item, "送信できませんでした: " + err, false);
      }).finally(function () {
        buttons.forEach(function (b) { b.disabled = false; });
      });
    });
  });
})();
