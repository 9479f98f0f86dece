import type { StoredApproval } from "../approval/store/approval-store.ts";
import type { Reason } from "../gate/decision.ts";
import { html, type SafeHtml } from "./html.ts";
import { effectiveState, type ReadableApproval } from "./readable-approval.ts";

/** What every page needs to know about where it is served and who looks at it. */
export interface PageContext {
  readonly base: string;
  readonly signedInAs: string | undefined;
  readonly now: Date;
}

export function page(context: PageContext, title: string, body: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="same-origin">
<title>${title} · toolgate approvals</title>
<link rel="stylesheet" href="${context.base}/inbox.css">
</head>
<body>
<header><a href="${context.base}/approvals">toolgate approvals</a>${context.signedInAs === undefined ? "" : html`<span class="who">signed in: ${context.signedInAs}</span>`}</header>
<main>
${body}
</main>
</body>
</html>
`.text;
}

/** "12 min ago" / "in 59 min", for a time relative to now. */
function relative(iso: string, now: Date): string {
  const seconds = Math.round((Date.parse(iso) - now.getTime()) / 1000);
  const size = Math.abs(seconds);
  const amount = size < 90 ? `${size} s` : size < 5400 ? `${Math.round(size / 60)} min` : size < 172800 ? `${Math.round(size / 3600)} h` : `${Math.round(size / 86400)} days`;
  return seconds < 0 ? `${amount} ago` : `in ${amount}`;
}

function time(iso: string | undefined, now: Date): SafeHtml {
  return iso === undefined ? html`` : html`<time datetime="${iso}" title="${iso}">${relative(iso, now)}</time>`;
}

function toolName(approval: StoredApproval): string {
  return approval.call.tool_type === "mcp" ? `${approval.call.server_label ?? "?"} / ${approval.call.name} (MCP)` : approval.call.name;
}

function reasonCodes(reasons: readonly Reason[]): SafeHtml {
  return html`${reasons.map((r) => html`<code title="${r.message}">${r.code}</code> `)}`;
}

function reasonList(reasons: readonly Reason[]): SafeHtml {
  return html`<ul class="reasons">${reasons.map((r) => html`<li><code>${r.code}</code> ${r.message}</li>`)}</ul>`;
}

/** The path of an approval's page. A lone surrogate (which encodeURIComponent throws on) becomes U+FFFD: such an id links to no page rather than crash this one. */
export function approvalPath(context: Pick<PageContext, "base">, id: string): string {
  return `${context.base}/approvals/${encodeURIComponent(id.toWellFormed())}`;
}

function detailLink(context: PageContext, id: string, text: string): SafeHtml {
  return html`<a href="${approvalPath(context, id)}">${text}</a>`;
}

function unreadableRow(context: PageContext, item: Extract<ReadableApproval, { ok: false }>, columns: number): SafeHtml {
  return html`<tr class="unreadable"><td colspan="${columns}">${detailLink(context, item.id, item.id)}: unreadable (${item.problem}); it cannot be approved here</td></tr>`;
}

export interface ListView {
  readonly pending: readonly ReadableApproval[];
  readonly history: readonly ReadableApproval[];
  readonly error?: string;
}

export function listPage(context: PageContext, view: ListView): string {
  const { now } = context;
  const pendingRows = view.pending.map((item) =>
    item.ok
      ? html`<tr>
<td>${detailLink(context, item.approval.id, toolName(item.approval))}</td>
<td>${item.approval.call.assistant_id}</td>
<td class="summary">${item.approval.summary}</td>
<td>${reasonCodes(item.approval.reasons)}</td>
<td>${time(item.approval.createdAt, now)}</td>
<td>${time(item.approval.expiresAt, now)}</td>
</tr>`
      : unreadableRow(context, item, 6),
  );
  const historyRows = view.history.map((item) =>
    item.ok
      ? html`<tr>
<td>${detailLink(context, item.approval.id, toolName(item.approval))}</td>
<td>${item.approval.call.assistant_id}</td>
<td class="summary">${item.approval.summary}</td>
<td><span class="state ${effectiveState(item.approval, now)}">${effectiveState(item.approval, now)}</span></td>
<td>${item.approval.decidedBy ?? ""}</td>
<td>${time(item.approval.decidedAt ?? item.approval.expiresAt, now)}</td>
<td class="note">${item.approval.note ?? ""}</td>
</tr>`
      : unreadableRow(context, item, 7),
  );
  const body = html`${view.error === undefined ? "" : html`<p class="error" role="alert">${view.error}</p>`}
<h1>Pending approvals <span class="count">${view.pending.length}</span></h1>
${
  pendingRows.length === 0
    ? html`<p class="empty">Nothing is waiting for a decision.</p>`
    : html`<table id="pending"><thead><tr><th>Tool</th><th>Assistant</th><th>Summary</th><th>Reasons</th><th>Asked</th><th>Expires</th></tr></thead><tbody>${pendingRows}</tbody></table>`
}
<h2>Decided</h2>
${
  historyRows.length === 0
    ? html`<p class="empty">No decided approvals yet.</p>`
    : html`<table id="history"><thead><tr><th>Tool</th><th>Assistant</th><th>Summary</th><th>State</th><th>By</th><th>When</th><th>Note</th></tr></thead><tbody>${historyRows}</tbody></table>`
}`;
  return page(context, "Approvals", body);
}

// Each <textarea> opens with a newline: the parser drops the first newline of its content, so text starting with one keeps it.
export interface DetailForm {
  /** The CSRF token of this session. */
  readonly csrf: string;
  /** Set when the approver is the authenticated basic-auth user: no name field. */
  readonly fixedApprover: string | undefined;
  /** What the reviewer typed, shown again after a refusal. */
  readonly argumentsText?: string;
  readonly note?: string;
  readonly name?: string;
}

export interface DetailView {
  readonly approval: StoredApproval;
  readonly form: DetailForm;
  /** Why the last post was refused (edited arguments, a race, a bad form). */
  readonly refusal?: { readonly title: string; readonly reasons: readonly Reason[] };
}

export function detailPage(context: PageContext, view: DetailView): string {
  const { approval, form, refusal } = view;
  const { now } = context;
  const state = effectiveState(approval, now);
  const mcp = approval.call.tool_type === "mcp";
  const pretty = JSON.stringify(approval.arguments, null, 2);
  const refusalBox =
    refusal === undefined ? html`` : html`<section class="refusal" role="alert" id="refusal"><h2>${refusal.title}</h2>${reasonList(refusal.reasons)}</section>`;
  const facts = html`<dl class="facts">
<dt>Tool</dt><dd id="tool">${toolName(approval)}</dd>
<dt>Assistant</dt><dd>${approval.call.assistant_id}</dd>
<dt>Summary</dt><dd id="summary">${approval.summary}</dd>
<dt>Asked</dt><dd>${time(approval.createdAt, now)} (${approval.createdAt})</dd>
<dt>Expires</dt><dd>${time(approval.expiresAt, now)} (${approval.expiresAt})</dd>
<dt>State</dt><dd><span class="state ${state}" id="state">${state}</span></dd>
<dt>Call</dt><dd><code>${approval.call.call_id}</code> on ${approval.call.surface}${approval.call.thread_id === undefined ? "" : html`, thread <code>${approval.call.thread_id}</code>`}</dd>
<dt>Policy revision</dt><dd><code>${approval.revision}</code></dd>
</dl>
<h2>Why it needs approval</h2>
${reasonList(approval.reasons)}`;

  let action: SafeHtml;
  if (state === "pending") {
    const approverField =
      form.fixedApprover === undefined
        ? html`<label>Your name <input name="name" maxlength="120" autocomplete="name" value="${form.name ?? ""}"></label>`
        : html`<p>Deciding as <strong>${form.fixedApprover}</strong></p>`;
    action = html`<form method="post" action="${approvalPath(context, approval.id)}" id="decide">
<input type="hidden" name="csrf" value="${form.csrf}">
<label for="arguments">Arguments${mcp ? " (a hosted MCP call: approved only as the model sent it)" : " (JSON; edits are re-checked by the policy before they are accepted)"}</label>
<textarea id="arguments" name="arguments" rows="${Math.min(30, pretty.split("\n").length + 2)}" spellcheck="false"${mcp ? html` readonly` : ""}>
${form.argumentsText ?? pretty}</textarea>
${approverField}
<label>Note <textarea name="note" rows="2" maxlength="2000">
${form.note ?? ""}</textarea></label>
<div class="buttons"><button type="submit" name="action" value="approve" class="approve">Approve</button> <button type="submit" name="action" value="reject" class="reject">Reject</button></div>
</form>`;
  } else {
    const decided =
      approval.decidedAt === undefined
        ? html``
        : html`<p id="decided">${state === "expired" ? "Expired" : `${state[0]!.toUpperCase()}${state.slice(1)}`}${approval.decidedBy === undefined ? "" : html` by <strong>${approval.decidedBy}</strong>`} ${time(approval.decidedAt, now)}.</p>`;
    action = html`<section class="decided">${decided}
${approval.note === undefined ? "" : html`<p>Note: <span class="note">${approval.note}</span></p>`}
<h2>Arguments</h2><pre id="arguments">${pretty}</pre>
${approval.approvedArguments === undefined ? "" : html`<h2>Approved with edited arguments</h2><pre id="approved-arguments">${JSON.stringify(approval.approvedArguments, null, 2)}</pre>`}
${approval.consumedAt === undefined ? "" : html`<p>Taken to run ${time(approval.consumedAt, now)}.</p>`}
<p>This approval is ${state}: there is nothing left to decide.</p></section>`;
  }
  return page(context, `${approval.call.name}`, html`<h1>Approval: ${toolName(approval)}</h1>${refusalBox}${facts}${action}`);
}

export function unreadablePage(context: PageContext, id: string, problem: string): string {
  return page(
    context,
    "Unreadable approval",
    html`<h1>Approval ${id}</h1><p class="error" role="alert" id="unreadable">This approval cannot be read (${problem}), so it cannot be approved here. It will expire by itself; check the store.</p>`,
  );
}

export function messagePage(context: PageContext, title: string, message: string): string {
  return page(context, title, html`<h1>${title}</h1><p class="error" role="alert">${message}</p>`);
}

export const STYLESHEET = `
body { font: 15px/1.45 system-ui, sans-serif; margin: 0; color: #1d232a; background: #f6f7f9; }
header { background: #1d232a; color: #fff; padding: .6rem 1.2rem; display: flex; justify-content: space-between; }
header a { color: #fff; font-weight: 600; text-decoration: none; }
main { padding: 1rem 1.2rem; max-width: 72rem; }
table { border-collapse: collapse; width: 100%; background: #fff; margin-bottom: 1.5rem; }
th, td { text-align: left; padding: .4rem .6rem; border-bottom: 1px solid #e1e4e8; vertical-align: top; }
th { background: #eef0f3; font-weight: 600; }
td.summary, td.note { max-width: 28rem; overflow-wrap: anywhere; }
code { font: 13px ui-monospace, monospace; background: #eef0f3; padding: 0 .2rem; }
.count { background: #d9480f; color: #fff; border-radius: 1rem; padding: 0 .5rem; font-size: .8em; }
.state { font-weight: 600; } .state.approved { color: #2b8a3e; } .state.rejected { color: #c92a2a; } .state.expired { color: #868e96; } .state.pending { color: #d9480f; }
dl.facts { display: grid; grid-template-columns: 10rem 1fr; gap: .2rem .8rem; background: #fff; padding: .8rem; }
dl.facts dd { margin: 0; overflow-wrap: anywhere; }
form { background: #fff; padding: .8rem; display: grid; gap: .6rem; }
form label { display: grid; gap: .2rem; font-weight: 600; }
textarea, input { font: 13px ui-monospace, monospace; padding: .4rem; border: 1px solid #ced4da; }
textarea#arguments { min-height: 8rem; }
button { font: inherit; padding: .4rem 1.2rem; border: 0; color: #fff; cursor: pointer; }
button.approve { background: #2b8a3e; } button.reject { background: #c92a2a; }
pre { background: #fff; padding: .8rem; overflow-x: auto; }
.refusal, .error { background: #fff5f5; border-left: 4px solid #c92a2a; padding: .4rem .8rem; }
.unreadable td { background: #fff5f5; }
.empty { color: #868e96; }
`;
