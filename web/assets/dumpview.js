// The crash-dump view: choose or drop a minidump or ELF core (plus optional
// Breakpad .sym files), analyze it in a worker with dumptool's own code, show
// the summary and export dumptool's report. The dump never leaves the page:
// it is read into memory, handed to a same-origin worker, and dropped when
// the view closes. Dump contents are shown with textContent only.

const h = (tag, attrs = {}, ...children) => {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "text") el.textContent = v;
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat(Infinity)) {
    if (c !== null && c !== undefined) el.append(c);
  }
  return el;
};

const table = (id, head, rows) =>
  h("div", { class: "dv-scroll" },
    h("table", { id },
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", { text: c ?? "" })))))));

// An offset without its leading zeros: 0x000000000009d844 -> 0x9d844.
const shortHex = (hex) => hex.replace(/^0x0+(?=[0-9a-f])/i, "0x");

// The frame text of dumptool's frame_line, for the on-screen stack, with
// the module offset short.
const frameText = (f) => {
  if (f.module && f.function) return `${f.module}!${f.function}`;
  if (f.module) return `${f.module} + ${shortHex(f.module_offset ?? "0x0")}`;
  return f.function ?? "";
};

// A stack whose frames can be selected: the frame's number links to its
// place in the address (`#dump/thread-2/frame-5`), and the selected row is
// marked for the eye (class) and for screen readers (aria-current).
const stackTable = (id, frames, thread) => {
  const at = openPlace();
  const rows = frames.map((f, i) => {
    const selected = at.thread === thread && at.frame === i;
    const link = h("a", { href: `#dump/thread-${thread}/frame-${i}`, "aria-label": `frame ${i}`, text: String(i) });
    const row = h("tr", { id: `${id}-frame-${i}`, class: selected ? "dv-selected" : null, "aria-current": selected ? "true" : null },
      h("td", {}, link),
      [f.instruction, frameText(f), f.source, f.trust].map((c) => h("td", { text: c ?? "" })));
    link.addEventListener("click", (e) => {
      e.preventDefault();
      for (const old of document.querySelectorAll("#dump-summary .dv-selected")) {
        old.classList.remove("dv-selected");
        old.removeAttribute("aria-current");
      }
      row.classList.add("dv-selected");
      row.setAttribute("aria-current", "true");
      showPlace(thread, i);
    });
    return row;
  });
  return h("div", { class: "dv-scroll" },
    h("table", { id },
      h("thead", {}, h("tr", {}, ["#", "Instruction", "Where", "Source", "Found by"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows)));
};

const pairs = (id, list) => table(id, ["Name", "Value"], list);

const registers = (i, t) =>
  t.registers && t.registers.length ? pairs(`dump-regs-${i}`, t.registers.map((g) => [g.name, g.value])) : null;

// The thread open in the view, and the frame selected in it, are in the
// address (`#dump/thread-2`, `#dump/thread-2/frame-5`), so a link or a
// reload of the same dump shows them again. The view's own history entry
// is updated, not a new one made: Back still leaves the view.
const PLACE = /^#dump\/thread-(\d+)(?:\/frame-(\d+))?$/;
const openPlace = () => {
  const m = PLACE.exec(location.hash);
  return m ? { thread: Number(m[1]), frame: m[2] === undefined ? null : Number(m[2]) } : { thread: null, frame: null };
};
const openThread = () => openPlace().thread;
const showPlace = (thread, frame) => {
  if (!location.hash.startsWith("#dump")) return;
  const place = thread === null ? "#dump" : frame === null ? `#dump/thread-${thread}` : `#dump/thread-${thread}/frame-${frame}`;
  history.replaceState(history.state, "", place);
};

const isSym = (name, head) => name.toLowerCase().endsWith(".sym") || head.startsWith("MODULE ");

const STYLE = new URL("./dumpview.css", import.meta.url).href;

export function mount(root) {
  if (!document.querySelector(`link[href="${STYLE}"]`)) {
    document.head.append(h("link", { rel: "stylesheet", href: STYLE }));
  }
  let worker = null;
  let dump = null; // {name, bytes}: the only copy, dropped on close or replace
  let symbols = []; // .sym texts
  let closed = false;
  let exportUrl = null;
  let started = 0; // when the current file was chosen, for data-ms

  const fileInput = h("input", { type: "file", id: "dump-file", multiple: true });
  const dirInput = h("input", { type: "file", id: "dump-symdir", webkitdirectory: true });
  const status = h("p", { id: "dump-status", role: "status", "aria-live": "polite" });
  const progress = h("progress", { id: "dump-progress", max: "100", hidden: true });
  const error = h("p", { id: "dump-error", class: "error", role: "alert", hidden: true });
  const symStatus = h("p", { id: "dump-symbols", class: "dv-note" });
  const result = h("div", { id: "dump-summary", hidden: true });
  const zone = h("div", { id: "dump-drop", class: "dv-drop", tabindex: "0" },
    h("p", { text: "Drop a minidump (.dmp) or an ELF core file here, with any Breakpad .sym files, or choose them:" }),
    h("p", {}, h("label", {}, "Dump and symbol files ", fileInput)),
    h("p", {}, h("label", {}, "A symbol folder ", dirInput)),
    h("p", { class: "dv-note", text: "The file is read in this page only: nothing is uploaded." }));
  root.replaceChildren(h("div", { class: "dumpview" }, zone, symStatus, progress, status, error, result));

  const setStatus = (text, pct) => {
    status.textContent = text;
    progress.hidden = pct === null;
    if (pct !== null && pct !== undefined) progress.value = pct;
    else progress.removeAttribute("value");
  };
  const fail = (message) => {
    progress.hidden = true;
    status.textContent = "";
    error.textContent = message;
    error.hidden = false;
    result.hidden = true;
    root.dataset.state = "error";
  };
  const stopWorker = () => {
    if (worker) worker.terminate();
    worker = null;
  };

  // Reads a file in chunks so a large dump shows progress while it loads.
  const readBytes = async (file) => {
    const size = file.size;
    const out = new Uint8Array(size);
    const reader = file.stream().getReader();
    let at = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done || closed) break;
      out.set(value, at);
      at += value.length;
      setStatus(`Reading ${file.name}: ${Math.round((at * 100) / Math.max(size, 1))}%`, (at * 50) / Math.max(size, 1));
    }
    return out;
  };

  const analyze = () => {
    if (closed) return;
    if (!dump) {
      root.dataset.state = "idle";
      return;
    }
    stopWorker();
    error.hidden = true;
    root.dataset.state = "busy";
    // Same-origin module worker; the dump's buffer is copied into it (the
    // page keeps its copy so that adding symbols can re-run the analysis).
    worker = new Worker(new URL("./dumpview-worker.js", import.meta.url), { type: "module" });
    worker.onmessage = (event) => {
      const msg = event.data;
      if (msg.type === "progress") {
        setStatus(msg.stage + "…", msg.stage.startsWith("Analyzing") ? 75 : 60);
      } else if (msg.type === "done") {
        stopWorker();
        render(JSON.parse(msg.json));
        root.dataset.ms = String(Math.round(performance.now() - started));
      } else {
        stopWorker();
        fail(msg.message);
      }
    };
    worker.onerror = (e) => {
      stopWorker();
      fail(`The analyzer stopped: ${e.message || "the worker failed to load"}. Reload the page and try again.`);
    };
    worker.postMessage({ name: dump.name, bytes: dump.bytes, symbols });
  };

  const takeFiles = async (files) => {
    const list = [...files];
    if (list.length === 0) return;
    error.hidden = true;
    root.dataset.state = "busy";
    started = performance.now();
    let chosen = null;
    const newSyms = [];
    for (const file of list) {
      const head = await file.slice(0, 7).text();
      if (isSym(file.name, head)) newSyms.push(await file.text());
      else if (chosen) return fail(`Choose one dump at a time (got ${chosen.name} and ${file.name}).`);
      else chosen = file;
    }
    if (closed) return;
    symbols = symbols.concat(newSyms);
    symStatus.textContent = symbols.length ? `${symbols.length} symbol file(s) loaded.` : "";
    if (chosen) {
      dump = null;
      result.hidden = true;
      root.dataset.state = "busy";
      const bytes = await readBytes(chosen);
      if (closed) return;
      dump = { name: chosen.name, bytes };
    }
    analyze();
  };

  fileInput.addEventListener("change", () => takeFiles(fileInput.files));
  dirInput.addEventListener("change", () =>
    takeFiles([...dirInput.files].filter((f) => f.name.toLowerCase().endsWith(".sym"))));
  zone.addEventListener("dragover", (e) => {
    e.preventDefault();
    zone.classList.add("dv-over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("dv-over"));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    zone.classList.remove("dv-over");
    takeFiles(e.dataTransfer.files);
  });

  const download = (text, type, name) => {
    if (exportUrl) URL.revokeObjectURL(exportUrl);
    exportUrl = URL.createObjectURL(new Blob([text], { type }));
    const a = h("a", { href: exportUrl, download: name });
    document.body.append(a);
    a.click();
    a.remove();
  };

  const render = (opened) => {
    const r = opened.report;
    const s = r.summary;
    const crash = s.crash;
    const crashing = s.crashing_thread === null ? null : s.threads[s.crashing_thread];
    const base = r.file.replace(/\.[^.]*$/, "") || "dump";
    const facts = [
      ["Process", s.process.name ?? "unknown", "dump-process"],
      ["Format", `${s.format} (${s.producer})`, "dump-format"],
      ["Crash reason", crash ? crash.reason : "no crash: the dump was requested (e.g. a live capture)", "dump-crash-reason"],
      ["Crash address", crash && crash.address ? crash.address : "none", "dump-crash-address"],
      ["Crashing thread", crashing ? `${s.crashing_thread} (tid ${crashing.id}${crashing.name ? `, "${crashing.name}"` : ""})` : "none", "dump-crashing-thread"],
      ["Threads", String(s.threads.length), "dump-thread-count"],
      ["Modules", String(s.modules.length), "dump-module-count"],
      ["System", [s.system.os, s.system.os_version, s.system.cpu, s.system.cpu_count ? `${s.system.cpu_count} CPUs` : null, s.system.cpu_info].filter(Boolean).join(", "), "dump-system"],
      ["Captured at", r.captured_at ?? "unknown", "dump-captured-at"],
      ["Size", opened.size, "dump-size"],
      ["SHA-256", r.sha256, "dump-sha256"],
      ["Redacted values", String(s.redacted), "dump-redacted"],
    ];
    if (r.core_limit) facts.push(["Core limit", r.core_limit, "dump-core-verdict"]);
    const sections = [
      h("h3", { text: `Crash report: ${s.process.name ?? "unknown process"}` }),
      h("dl", { class: "dv-facts" }, facts.map(([k, v, id]) => [h("dt", { text: k }), h("dd", { id, text: v })])),
      h("p", {},
        h("button", { type: "button", id: "dump-export-md", onclick: () => download(opened.markdown, "text/markdown", `${base}.report.md`) }, "Export report (Markdown)"),
        " ",
        h("button", { type: "button", id: "dump-export-json", onclick: () => download(opened.json, "application/json", `${base}.report.json`) }, "Export report (JSON)")),
      h("h3", { text: "Crashing thread" }),
      crashing ? stackTable("dump-stack", crashing.frames, s.crashing_thread) : h("p", { text: "No crashing thread." }),
      crashing ? registers(s.crashing_thread, crashing) : null,
      h("h3", { text: `Threads (${s.threads.length})` }),
      h("div", { id: "dump-threads" }, s.threads.map((t, i) => {
        const title = `thread ${i} (tid ${t.id}${t.name ? `, "${t.name}"` : ""}): ${t.frames.length} frames`;
        // The crashing thread's stack is shown once, above.
        if (i === s.crashing_thread) {
          return h("p", { class: "dv-thread", id: `dump-thread-${i}-crashed`, text: `${title}, crashed: its stack is under "Crashing thread" above.` });
        }
        const details = h("details", { class: "dv-thread", id: `dump-thread-${i}-details`, open: i === openThread() },
          h("summary", { text: title }),
          stackTable(`dump-thread-${i}`, t.frames, i),
          registers(i, t));
        details.addEventListener("toggle", () => {
          // Opening keeps a frame selected in this thread; closing forgets it.
          const at = openPlace();
          if (details.open && at.thread !== i) showPlace(i, null);
          else if (!details.open && at.thread === i) showPlace(null, null);
        });
        return details;
      })),
      h("h3", { text: `Modules (${s.modules.length})` }),
      table("dump-modules", ["Base", "Size", "Name", "Version", "Code id", "Debug file", "Debug id"],
        s.modules.map((m) => [m.base, String(m.size), m.name, m.version, m.code_id, m.debug_file, m.debug_id])),
    ];
    if (s.process.command_line.length) {
      sections.push(h("h3", { text: "Command line" }), h("pre", { id: "dump-cmdline", text: s.process.command_line.join(" ") }));
    }
    const l = s.linux;
    if (l) {
      sections.push(h("h3", { text: "Linux" }));
      if (l.limits.length) {
        sections.push(h("h4", { text: "Limits" }), table("dump-limits", ["Limit", "Soft", "Hard", "Unit"], l.limits.map((x) => [x.name, x.soft, x.hard, x.unit])));
      }
      sections.push(h("p", { id: "dump-maps", text: `Memory maps: ${l.maps} entries.` }));
      if (l.status.length) sections.push(h("h4", { text: "Status" }), pairs("dump-status-table", l.status));
      if (l.os_release.length) sections.push(h("h4", { text: "OS release" }), pairs("dump-os-release", l.os_release));
      if (l.environ.length) sections.push(h("h4", { text: "Environment (redacted)" }), pairs("dump-environ", l.environ.map((e) => [e.name, e.value])));
      if (l.auxv.length) sections.push(h("h4", { text: "Auxiliary vector" }), pairs("dump-auxv", l.auxv));
    }
    result.replaceChildren(...sections);
    result.hidden = false;
    const open = result.querySelector(".dv-selected") ?? document.getElementById(`dump-thread-${openThread()}-details`);
    if (open) open.scrollIntoView({ block: "center" });
    setStatus(`Analyzed ${r.file}.`, null);
    root.dataset.state = "done";
  };

  return {
    close() {
      closed = true;
      stopWorker();
      dump = null;
      symbols = [];
      if (exportUrl) URL.revokeObjectURL(exportUrl);
      root.replaceChildren();
      delete root.dataset.state;
    },
  };
}
