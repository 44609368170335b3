import { useEffect, useRef, useState } from "react";

// The review gate as one panel: props come from graph/workspace/review_panel.py (the diff, the
// checks, the memory items are computed on the server); every decision is sent back with
// callAction("review_panel") and re-validated there, like the chat's buttons.

const ACTION = "review_panel";
const FOCUS = "brandloom.review.focus";

function Diff({ tokens }) {
  return (
    <div className="whitespace-pre-wrap text-sm leading-6" data-testid="review-diff">
      {tokens.map((t, i) =>
        t.op === "same" ? (
          <span key={i}>{t.text}</span>
        ) : t.op === "add" ? (
          <ins key={i} className="bg-green-200 text-green-900 no-underline rounded px-0.5">{t.text}</ins>
        ) : (
          <del key={i} className="bg-red-200 text-red-900 rounded px-0.5">{t.text}</del>
        )
      )}
    </div>
  );
}

function Box({ title, children, testid }) {
  return (
    <div className="border rounded-md p-2 flex-1 min-w-0" data-testid={testid}>
      <div className="text-xs font-semibold uppercase text-muted-foreground mb-1">{title}</div>
      {children}
    </div>
  );
}

export default function ReviewPanel() {
  const root = useRef(null);
  const [data, setData] = useState(props);
  // The selected asset survives the element being re-rendered with fresh props.
  const [index, setIndexState] = useState(() => Number(window.sessionStorage.getItem(FOCUS) || 0));
  const setIndex = (value) =>
    setIndexState((old) => {
      const next = typeof value === "function" ? value(old) : value;
      window.sessionStorage.setItem(FOCUS, String(next));
      return next;
    });
  const [decided, setDecided] = useState({});
  const [mode, setMode] = useState(null); // "edit" | "reject" | "respond"
  const [text, setText] = useState("");
  const [error, setError] = useState("");
  const [confirmAll, setConfirmAll] = useState(false);

  useEffect(() => setData(props), [props]);
  const assets = data.assets || [];
  const asset = assets[Math.min(index, Math.max(assets.length - 1, 0))];
  const decisionOf = (a) => decided[a.asset_id] || a.decision || (data.closed ? "closed" : "");

  async function send(payload) {
    setError("");
    const answer = await callAction({ name: ACTION, payload });
    const response = (answer && answer.response) || {};
    if (response.error) {
      setError(response.error);
      return null;
    }
    if (response.props) setData(response.props);
    if (response.decided) setDecided((d) => ({ ...d, ...response.decided }));
    return response;
  }

  async function decide(action, body) {
    if (!asset) return;
    const response = await send({ action, asset_id: asset.asset_id, text: body || "", version: asset.version });
    if (!response) return;
    setMode(null);
    setText("");
    const next = assets.findIndex((a, i) => i > index && !decisionOf(a));
    if (next >= 0 && action !== "edit") setIndex(next);
  }

  function start(kind) {
    if (!asset || decisionOf(asset)) return;
    setMode(kind);
    setText(kind === "edit" ? asset.text : "");
  }

  useEffect(() => {
    function onKey(event) {
      const tag = (event.target && event.target.tagName) || "";
      if (tag === "INPUT" || tag === "TEXTAREA" || event.metaKey || event.ctrlKey || event.altKey) return;
      if (event.target && event.target.isContentEditable) return;
      if (data.closed) return;
      const panels = document.querySelectorAll('[data-testid="review-panel"]');
      if (panels[panels.length - 1] !== root.current) return; // only the newest panel listens
      const key = event.key;
      if (key === "j") setIndex((i) => Math.min(i + 1, assets.length - 1));
      else if (key === "k") setIndex((i) => Math.max(i - 1, 0));
      else if (key === "a" && asset && !decisionOf(asset)) decide("approve");
      else if (key === "r") start("reject");
      else if (key === "e") start("edit");
      else return;
      event.preventDefault();
    }
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  });

  const open = assets.filter((a) => !decisionOf(a)).length;
  const passing = Math.max(0, data.passed_waiting - Object.keys(decided).filter((id) => assets.find((a) => a.asset_id === id && a.passed && !a.decision)).length);

  async function approvePassed() {
    const response = await send({ action: "approve_passed", count: passing });
    if (response) setConfirmAll(false);
  }

  return (
    <div ref={root} className="flex flex-col gap-2 w-full border rounded-lg p-3" data-testid="review-panel">
      <div className="flex flex-wrap items-center gap-2">
        <div className="font-semibold">Review panel</div>
        <div className="text-sm text-muted-foreground">{data.message}</div>
        <div className="text-sm ml-auto" data-testid="review-open">{open} of {data.total} to decide</div>
      </div>
      <div className="text-xs text-muted-foreground" data-testid="review-shortcuts">
        Shortcuts: {Object.entries(data.shortcuts || {}).map(([k, v]) => `${k} ${v}`).join(" · ")}
      </div>
      <div className="flex flex-wrap gap-1">
        {assets.map((a, i) => (
          <button
            key={a.asset_id}
            onClick={() => { setIndex(i); setMode(null); }}
            className={`text-xs border rounded px-2 py-0.5 ${i === index ? "bg-primary text-primary-foreground" : ""}`}
            title={a.passed ? "all checks passed" : "a check failed"}
          >
            {a.passed ? "✓" : "✗"} {a.asset_id}{decisionOf(a) ? ` · ${decisionOf(a)}` : ""}
          </button>
        ))}
      </div>
      {data.pages > 1 && (
        <div className="flex items-center gap-2 text-sm">
          <button className="border rounded px-2" disabled={data.page === 0} onClick={() => { setIndex(0); send({ action: "page", page: data.page - 1 }); }}>Previous page</button>
          <span>Page {data.page + 1} of {data.pages}</span>
          <button className="border rounded px-2" disabled={data.page + 1 >= data.pages} onClick={() => { setIndex(0); send({ action: "page", page: data.page + 1 }); }}>Next page</button>
        </div>
      )}
      {confirmAll ? (
        <div className="flex items-center gap-2 text-sm border rounded p-2" data-testid="review-confirm">
          <span>Approve {passing} assets that passed every check?</span>
          <button className="border rounded px-2 bg-primary text-primary-foreground" onClick={approvePassed}>Yes, approve {passing}</button>
          <button className="border rounded px-2" onClick={() => setConfirmAll(false)}>Cancel</button>
        </div>
      ) : (
        <div>
          <button className="text-sm border rounded px-2 py-0.5" disabled={passing === 0 || !!data.closed} onClick={() => setConfirmAll(true)}>
            Approve all that passed ({passing})
          </button>
        </div>
      )}
      {data.closed && <div className="text-sm font-medium" data-testid="review-closed">{data.closed}</div>}
      {error && <div className="text-sm text-red-600" role="alert" data-testid="review-error">{error}</div>}
      {asset && (
        <div className="flex flex-col gap-2" data-testid="review-asset">
          <div className="font-medium" data-testid="review-asset-title">
            {asset.asset_id} · {asset.kind} · {asset.channel} · v{asset.version}
            {asset.flagged ? " · ⚠ flagged" : ""}{asset.error ? ` · ✗ ${asset.error}` : ""}
            {decisionOf(asset) ? ` · decided: ${decisionOf(asset)}` : ""}
          </div>
          <div className="flex gap-2">
            <Box title={asset.previous_text ? `Previous version (v${asset.version - 1})` : "Previous version"} testid="review-previous">
              <div className="whitespace-pre-wrap text-sm">{asset.previous_text || "First draft: no earlier version."}</div>
            </Box>
            <Box title={asset.diff.length ? "Draft, changes marked" : "Draft"} testid="review-draft">
              {asset.title && <div className="font-semibold text-sm">{asset.title}</div>}
              {asset.diff.length ? <Diff tokens={asset.diff} /> : <div className="whitespace-pre-wrap text-sm">{asset.text}</div>}
            </Box>
          </div>
          {asset.edit_diff.length > 0 && (
            <Box title="Your edit, changes marked" testid="review-edit-diff"><Diff tokens={asset.edit_diff} /></Box>
          )}
          <div className="flex gap-2">
            <Box title="Checks" testid="review-checks">
              {asset.checks.length === 0 && <div className="text-sm">No checks ran.</div>}
              {asset.checks.map((c) => (
                <div key={c.name} className="text-sm">{c.passed ? "✓" : "✗"} <b>{c.name}</b>: {c.reason}</div>
              ))}
            </Box>
            <Box title="Brand memory recalled" testid="review-memory">
              {asset.memory.length === 0 && <div className="text-sm">No memory items were recalled.</div>}
              {asset.memory.map((m) => (
                <div key={m.item_id} className="text-sm"><b>{m.source}</b>: {m.snippet}</div>
              ))}
            </Box>
            <Box title="Model and cost" testid="review-model">
              <div className="text-sm">{asset.model || "unknown model"}</div>
              <div className="text-sm">${asset.cost_usd.toFixed(6)}</div>
            </Box>
          </div>
          {mode ? (
            <div className="flex flex-col gap-1" data-testid="review-form">
              <label className="text-sm" htmlFor="review-text">
                {mode === "edit" ? "Edit the draft" : mode === "reject" ? "Why reject it?" : "Note to the writer"}
              </label>
              <textarea id="review-text" autoFocus className="border rounded p-2 text-sm bg-background" rows={mode === "edit" ? 6 : 2} value={text} onChange={(e) => setText(e.target.value)} />
              <div className="flex gap-2">
                <button className="border rounded px-2 bg-primary text-primary-foreground" disabled={!text.trim()} onClick={() => decide(mode, text)}>
                  {mode === "edit" ? "Save edit" : mode === "reject" ? "Reject with reason" : "Send note"}
                </button>
                <button className="border rounded px-2" onClick={() => setMode(null)}>Cancel</button>
              </div>
            </div>
          ) : (
            <div className="flex gap-2">
              <button className="border rounded px-2" disabled={!!decisionOf(asset)} onClick={() => decide("approve")}>Approve (a)</button>
              <button className="border rounded px-2" disabled={!!decisionOf(asset)} onClick={() => start("reject")}>Reject (r)</button>
              <button className="border rounded px-2" disabled={!!decisionOf(asset)} onClick={() => start("edit")}>Edit (e)</button>
              <button className="border rounded px-2" disabled={!!decisionOf(asset)} onClick={() => start("respond")}>Respond</button>
              <button className="border rounded px-2" onClick={() => setIndex((i) => Math.max(i - 1, 0))}>Previous (k)</button>
              <button className="border rounded px-2" onClick={() => setIndex((i) => Math.min(i + 1, assets.length - 1))}>Next (j)</button>
            </div>
          )}
        </div>
      )}
    </div>
  );
}
