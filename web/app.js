// The playground: checks the policy as you type and evaluates it on the CSV data, all in the
// page, with escalate compiled to WebAssembly (pkg/, built by scripts/build-embed.sh).
"use strict";

(async function main() {
  const $ = (id) => document.getElementById(id);
  const policy = $("policy");
  const data = $("data");
  const texts = Object.assign({ performance: "", subjects: "", concerns: "", events: "" },
    window.ESCALATE_EXAMPLE.data);
  let kind = "performance";
  let downloadUrl = null;

  // The module's bytes come from a script (not fetched), so the page works from a file share.
  const bytes = Uint8Array.from(atob(window.ESCALATE_WASM_BASE64), (c) => c.charCodeAt(0));
  await wasm_bindgen({ module_or_path: bytes });
  const escalate = wasm_bindgen;
  $("version").textContent = escalate.version();

  policy.value = window.ESCALATE_EXAMPLE.policy;
  data.value = texts[kind];
  $("as-of").value = window.ESCALATE_EXAMPLE.asOf;

  function place(d) {
    return d.line ? `line ${d.line}, column ${d.column}` : d.file;
  }

  function showDiagnostics(list) {
    const ul = $("diagnostics");
    ul.replaceChildren();
    const bad = new Set(list.filter((d) => d.file === "policy" && d.line).map((d) => d.line));
    drawGutter(bad);
    $("problem-count").textContent = list.length ? `(${list.length})` : "";
    if (!list.length) {
      const li = document.createElement("li");
      li.className = "ok";
      li.textContent = "No problems.";
      ul.append(li);
      return;
    }
    for (const d of list) {
      const li = document.createElement("li");
      li.className = d.severity;
      li.dataset.line = d.line;
      li.dataset.column = d.column;
      const where = document.createElement("span");
      where.className = "where";
      where.textContent = `${d.file === "policy" ? "" : d.file + ", "}${place(d)}: `;
      const message = document.createElement("span");
      message.className = "message";
      message.textContent = `${d.severity}: ${d.message} `;
      const code = document.createElement("span");
      code.className = "code";
      code.textContent = `[${d.code}]`;
      li.append(where, message, code);
      if (d.help) {
        const help = document.createElement("div");
        help.className = "help";
        help.textContent = `help: ${d.help}`;
        li.append(help);
      }
      if (d.file === "policy" && d.line) li.addEventListener("click", () => jumpTo(d.line, d.column));
      ul.append(li);
    }
  }

  function jumpTo(line, column) {
    const lines = policy.value.split("\n");
    let offset = 0;
    for (let i = 0; i < line - 1 && i < lines.length; i++) offset += lines[i].length + 1;
    offset += Math.max(0, column - 1);
    policy.focus();
    policy.setSelectionRange(offset, offset);
  }

  function drawGutter(bad) {
    const count = policy.value.split("\n").length;
    const gutter = $("gutter");
    gutter.replaceChildren();
    for (let i = 1; i <= count; i++) {
      const span = document.createElement("span");
      span.textContent = String(i);
      if (bad.has(i)) span.className = "bad";
      gutter.append(span, "\n");
    }
    policy.style.height = `${count * 18 + 12}px`;
  }

  function showActions(outcome) {
    const tbody = $("actions").querySelector("tbody");
    tbody.replaceChildren();
    const status = $("status");
    const link = $("download");
    if (downloadUrl) URL.revokeObjectURL(downloadUrl);
    downloadUrl = null;
    if (outcome.status !== "ok") {
      status.className = "error";
      status.textContent = outcome.status === "data"
        ? "The data has problems (listed above); fix them to see the actions."
        : "Fix the problems above to see the actions.";
      $("action-count").textContent = "";
      link.hidden = true;
      return;
    }
    const e = outcome.evaluation;
    status.className = "";
    status.textContent = `${e.policy}, as of ${e.as_of}, decided on ${e.decided_on}: ` +
      `${e.subjects_evaluated} subjects evaluated, ${e.undecided.length} undecided.`;
    $("action-count").textContent = `(${e.actions.length})`;
    for (const a of e.actions) {
      const tr = document.createElement("tr");
      const cells = [a.subject + (a.case ? ` (case ${a.case})` : ""), a.rule, a.severity,
        a.owner_name || a.owner, a.due || "", a.require];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        td.textContent = text;
        if (i === 2) td.className = `severity-${a.severity}`;
        tr.append(td);
      });
      tbody.append(tr);
    }
    downloadUrl = URL.createObjectURL(new Blob([outcome.csv], { type: "text/csv" }));
    link.href = downloadUrl;
    link.hidden = false;
  }

  function refresh() {
    texts[kind] = data.value;
    const diagnostics = JSON.parse(escalate.check(policy.value));
    const outcome = JSON.parse(escalate.evaluate(policy.value, texts.performance,
      texts.concerns, texts.subjects, texts.events, $("as-of").value, $("on").value || undefined));
    const extra = outcome.status === "ok" ? [] : outcome.status === "policy" ? [] : outcome.diagnostics;
    showDiagnostics(diagnostics.concat(extra));
    showActions(outcome);
  }

  let timer = null;
  const soon = () => { clearTimeout(timer); timer = setTimeout(refresh, 150); };
  for (const el of [policy, data, $("as-of"), $("on")]) el.addEventListener("input", soon);
  for (const tab of document.querySelectorAll(".tabs button")) {
    tab.addEventListener("click", () => {
      texts[kind] = data.value;
      kind = tab.dataset.kind;
      for (const t of document.querySelectorAll(".tabs button")) {
        t.setAttribute("aria-selected", String(t === tab));
      }
      data.value = texts[kind];
    });
  }
  refresh();
  document.body.dataset.ready = "true";
})().catch((error) => {
  document.getElementById("status").textContent = `The evaluator could not start: ${error}`;
  document.getElementById("status").className = "error";
});
