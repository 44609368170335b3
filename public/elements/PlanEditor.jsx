import { useEffect, useState } from "react";

// The plan gate's deliverables as an editable table. The server (graph/workspace/plan_editor.py)
// validates the whole table with the plan model and answers errors by row and field; approving
// sends the same `edit plan` decision the JSON route makes.

const ACTION = "plan_editor";
const NUMBERS = ["variant", "min_words", "max_words"];

export default function PlanEditor() {
  const [rows, setRows] = useState(props.rows);
  const [budget, setBudget] = useState(String(props.budget_usd));
  const [due, setDue] = useState(props.due_date || "");
  const [errors, setErrors] = useState(props.errors || []);
  const [note, setNote] = useState("");
  useEffect(() => {
    setRows(props.rows);
    setBudget(String(props.budget_usd));
    setDue(props.due_date || "");
  }, [props]);
  const closed = !!props.closed;

  function change(index, field, value) {
    const parsed = NUMBERS.includes(field) && value !== "" && !isNaN(Number(value)) ? Number(value) : value;
    setRows((old) => old.map((row, i) => (i === index ? { ...row, [field]: parsed } : row)));
  }

  function addRow() {
    const kind = rows.length ? rows[rows.length - 1].asset_kind : props.kinds[0];
    const base = rows.length ? rows[rows.length - 1] : { channel: "", min_words: 0, max_words: 400, tone: "" };
    let n = rows.length + 1;
    while (rows.some((row) => row.asset_id === `${kind}-new${n}`)) n += 1;
    setRows([...rows, { ...base, asset_id: `${kind}-new${n}`, asset_kind: kind, variant: 1 }]);
  }

  async function send(action) {
    setNote("");
    const answer = await callAction({ name: ACTION, payload: { action, rows, budget_usd: budget, due_date: due } });
    const response = (answer && answer.response) || {};
    setErrors(response.errors || []);
    if (response.ok) setNote(response.ok);
  }

  const errorOf = (row, field) => errors.find((e) => e.row === row && e.field === field);
  const general = errors.filter((e) => e.row === null || e.row === undefined);
  const counts = rows.reduce((acc, row) => ({ ...acc, [row.asset_kind]: (acc[row.asset_kind] || 0) + 1 }), {});

  // Widths are inline styles: Chainlit's stylesheet carries only the Tailwind classes its own
  // UI uses, so w-* classes of a custom element may not exist and inputs fall back to ~170 px.
  const WIDTHS = { "w-12": "2.5rem", "w-16": "3.5rem", "w-24": "5rem", "w-36": "7rem" };

  function cell(index, field, type = "text", width = "w-24") {
    const problem = errorOf(index, field);
    return (
      <td className="p-1 align-top">
        <input
          aria-label={`${field} of row ${index + 1}`}
          type={type}
          disabled={closed}
          className={`border rounded px-1 text-sm bg-background ${problem ? "border-red-600" : ""}`}
          style={{ width: WIDTHS[width] }}
          value={rows[index][field] === null || rows[index][field] === undefined ? "" : rows[index][field]}
          onChange={(e) => change(index, field, e.target.value)}
        />
        {problem && <div className="text-xs text-red-600" style={{ maxWidth: "10rem", minWidth: "6rem" }} role="alert">{problem.message}</div>}
      </td>
    );
  }

  return (
    <div className="flex flex-col gap-2 w-full border rounded-lg p-3" data-testid="plan-editor">
      <div className="flex flex-wrap items-center gap-3">
        <div className="font-semibold">Plan editor · {props.brand}</div>
        <label className="text-sm">Budget (USD){" "}
          <input aria-label="budget" className={`border rounded px-1 w-20 bg-background ${general.some((e) => e.field === "budget_usd") ? "border-red-600" : ""}`} value={budget} disabled={closed} onChange={(e) => setBudget(e.target.value)} />
        </label>
        <label className="text-sm">Due date{" "}
          <input aria-label="due date" type="date" className="border rounded px-1 bg-background" value={due} disabled={closed} onChange={(e) => setDue(e.target.value)} />
        </label>
        <div className="text-xs text-muted-foreground" data-testid="plan-counts">
          {Object.entries(counts).map(([kind, n]) => `${n} × ${kind}`).join(" · ")}
        </div>
      </div>
      <div className="overflow-x-auto">
      <table className="text-sm">
        <thead>
          <tr className="text-left text-xs text-muted-foreground">
            <th>asset</th><th>kind</th><th>channel</th><th>variant</th><th>min words</th><th>max words</th><th>tone</th><th></th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row, index) => (
            <tr key={index} data-testid="plan-row">
              {cell(index, "asset_id", "text", "w-36")}
              <td className="p-1 align-top">
                <select aria-label={`asset_kind of row ${index + 1}`} disabled={closed} className="border rounded text-sm bg-background" style={{ maxWidth: "8rem" }} value={row.asset_kind} onChange={(e) => change(index, "asset_kind", e.target.value)}>
                  {props.kinds.map((k) => <option key={k} value={k}>{k}</option>)}
                </select>
                {errorOf(index, "asset_kind") && <div className="text-xs text-red-600" role="alert">{errorOf(index, "asset_kind").message}</div>}
              </td>
              {cell(index, "channel")}
              {cell(index, "variant", "text", "w-12")}
              {cell(index, "min_words", "text", "w-16")}
              {cell(index, "max_words", "text", "w-16")}
              <td className="p-1 align-top">
                <select aria-label={`tone of row ${index + 1}`} disabled={closed} className="border rounded text-sm bg-background" value={row.tone || ""} onChange={(e) => change(index, "tone", e.target.value)}>
                  {props.tones.map((t) => <option key={t} value={t}>{t || "(any)"}</option>)}
                </select>
              </td>
              <td className="p-1 align-top">
                <button aria-label={`Remove row ${index + 1}`} title="Remove this row" className="border rounded px-2 text-xs" disabled={closed} onClick={() => setRows(rows.filter((_, i) => i !== index))}>✕</button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      </div>
      {general.map((e, i) => (
        <div key={i} className="text-sm text-red-600" role="alert" data-testid="plan-error">{e.field ? `${e.field}: ` : ""}{e.message}</div>
      ))}
      {note && <div className="text-sm" data-testid="plan-note">{note}</div>}
      {closed ? (
        <div className="text-sm font-medium" data-testid="plan-closed">{props.closed}</div>
      ) : (
        <div className="flex gap-2">
          <button className="border rounded px-2" onClick={addRow}>Add row</button>
          <button className="border rounded px-2" onClick={() => send("check")}>Check</button>
          <button className="border rounded px-2 bg-primary text-primary-foreground" onClick={() => send("approve")}>Save and approve plan</button>
        </div>
      )}
    </div>
  );
}
