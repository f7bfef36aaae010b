// Mingate auditors' console. Plain JS, no libraries: every figure comes from /audit/… with the auditor's token;
// proofs and checkpoint signatures are verified here with WebCrypto (SHA-256, Ed25519) against the key the auditor
// pinned, so the page does not have to trust the server that shows them.
"use strict";

const TOKEN = "mingate.console.token";   // sessionStorage: this tab only
const AUDITOR = "mingate.console.auditor";
const PINNED = "mingate.console.logkey";  // localStorage: the pin outlives the session, as a pin should

// ---- small DOM helpers: text always through textContent, never HTML ----

function $(id) { return document.getElementById(id); }

function el(tag, attributes, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name === "class") node.className = value; else node.setAttribute(name, value === true ? "" : value);
  }
  for (const child of children.flat()) {
    if (child === undefined || child === null) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

function notice(text) {
  const box = $("notice");
  box.textContent = text || "";
  box.hidden = !text;
}

// ---- the API ----

class ApiError extends Error {
  constructor(status, code, message) { super(message); this.status = status; this.code = code; }
}

async function api(path, options) {
  const token = sessionStorage.getItem(TOKEN);
  if (!token) throw new ApiError(401, "unauthenticated", "not signed in");
  const init = Object.assign({ headers: {} }, options || {});
  init.headers = Object.assign({ "Authorization": "Bearer " + token }, init.headers);
  init.cache = "no-store";
  let response;
  try {
    response = await fetch(path, init);
  } catch (error) {
    throw new ApiError(0, "unreachable", "the gateway cannot be reached: " + error.message);
  }
  if (!response.ok) {
    let code = "http_" + response.status, message = response.statusText || "refused";
    try {
      const body = await response.json();
      if (body && body.error) { code = body.error.code; message = body.error.message; }
    } catch (_) { /* not JSON */ }
    if (response.status === 401 || response.status === 403) signOut("Signed out: " + code + ": " + message);
    throw new ApiError(response.status, code, message);
  }
  return response;
}

async function apiJSON(path, options) { return (await api(path, options)).json(); }

function query(values) {
  const parts = [];
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null && value !== "") parts.push(encodeURIComponent(name) + "=" + encodeURIComponent(value));
  }
  return parts.length ? "?" + parts.join("&") : "";
}

// ---- bytes, base64, hashes ----

function utf8(text) { return new TextEncoder().encode(text); }

function fromBase64(text) {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) throw new Error("not base64: " + text.slice(0, 20));
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function toBase64(bytes) { let s = ""; for (const b of bytes) s += String.fromCharCode(b); return btoa(s); }
function hex(bytes) { return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(""); }
function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
function equal(a, b) { return a.length === b.length && a.every((x, i) => x === b[i]); }

function subtle() {
  if (!window.crypto || !window.crypto.subtle) {
    throw new Error("WebCrypto is not available: open the console over HTTPS (or on localhost); nothing can be verified here");
  }
  return window.crypto.subtle;
}

async function sha256(bytes) { return new Uint8Array(await subtle().digest("SHA-256", bytes)); }
async function leafHash(record) { return sha256(concat(new Uint8Array([0]), record)); }
async function nodeHash(left, right) { return sha256(concat(new Uint8Array([1]), left, right)); }

// ---- the log's verifier key and signed notes (c2sp.org/signed-note) ----

// "<name>+<hash>+<base64(0x01 ‖ Ed25519 public key)>"; the hash is the first four bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
async function parseVerifierKey(text) {
  // The name has no "+"; the base64 key may, so split at the first two only.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(text.trim());
  if (!match) throw new Error("a verifier key is NAME+HASH+KEY");
  const parts = match.slice(1);
  const encoded = fromBase64(parts[2]);
  if (encoded.length !== 33 || encoded[0] !== 1) throw new Error("the key is not an Ed25519 verifier key");
  const publicKey = encoded.slice(1);
  const digest = await sha256(concat(utf8(parts[0] + "\n"), encoded));
  if (hex(digest.slice(0, 4)) !== parts[1]) throw new Error("the key's hash does not match its name and key (mistyped?)");
  const key = await subtle().importKey("raw", publicKey, { name: "Ed25519" }, false, ["verify"]);
  return { name: parts[0], hash: parts[1], key };
}

// Returns {text, verified, signers, problem}: the note's text, whether the pinned key signed it, every signer named.
async function verifyNote(note, verifier) {
  const split = note.lastIndexOf("\n\n");
  if (split < 0) return { verified: false, signers: [], problem: "not a signed note (no blank line before the signatures)" };
  const text = note.slice(0, split + 1);
  const signers = [];
  let verified = false, problem = "no signature by " + verifier.name + "+" + verifier.hash;
  for (const line of note.slice(split + 2).split("\n")) {
    if (line === "") continue;
    const match = /^— (\S+) (\S+)$/.exec(line);
    if (!match) return { verified: false, signers, problem: "a signature line is malformed" };
    signers.push(match[1]);
    let blob;
    try { blob = fromBase64(match[2]); } catch (_) { return { verified: false, signers, problem: "a signature is not base64" }; }
    if (match[1] !== verifier.name || blob.length !== 68 || hex(blob.slice(0, 4)) !== verifier.hash) continue;
    const good = await subtle().verify({ name: "Ed25519" }, verifier.key, blob.slice(4), utf8(text));
    if (good) { verified = true; problem = null; } else { problem = "the signature by " + verifier.name + " does not verify: the checkpoint was altered or signed by another key"; }
  }
  return { text, verified, signers, problem };
}

function parseCheckpoint(text) {
  const lines = text.split("\n");
  if (lines.length < 4 || !/^(0|[1-9][0-9]*)$/.test(lines[1])) throw new Error("not a tlog checkpoint");
  const root = fromBase64(lines[2]);
  if (root.length !== 32) throw new Error("the checkpoint's root is not a SHA-256 hash");
  return { origin: lines[0], size: Number(lines[1]), root };
}

// ---- receipts (c2sp.org/tlog-proof@v1, the record in its extra line) and RFC 9162 inclusion ----

function parseReceipt(text) {
  const split = text.indexOf("\n\n");
  if (split < 0) throw new Error("a receipt is a proof, a blank line, then a signed checkpoint");
  const lines = text.slice(0, split).split("\n");
  if (lines[0] !== "c2sp.org/tlog-proof@v1") throw new Error("not a c2sp.org/tlog-proof@v1 receipt");
  if (!lines[1] || !lines[1].startsWith("extra ")) throw new Error("the receipt carries no record (its extra line)");
  if (!lines[2] || !/^index (0|[1-9][0-9]*)$/.test(lines[2])) throw new Error("the receipt's index line is malformed");
  const record = fromBase64(lines[1].slice(6));
  const index = Number(lines[2].slice(6));
  const proof = lines.slice(3).map((line) => {
    const hash = fromBase64(line);
    if (hash.length !== 32) throw new Error("a proof line is not a SHA-256 hash");
    return hash;
  });
  return { record, index, proof, note: text.slice(split + 2) };
}

// RFC 9162 section 2.1.3.2, step by step so the page can show the path.
async function inclusionPath(index, size, leaf, proof) {
  if (index >= size) return { ok: false, problem: "the record is beyond the checkpoint's size", steps: [] };
  let fn = index, sn = size - 1, r = leaf;
  const steps = [];
  for (const p of proof) {
    if (sn === 0) return { ok: false, problem: "the proof is longer than the tree is deep", steps };
    let side;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r); side = "left";
      if (fn % 2 === 0) { while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); } }
    } else {
      r = await nodeHash(r, p); side = "right";
    }
    steps.push({ sibling: p, side, result: r });
    fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return { ok: false, problem: "the proof is too short for a tree of this size", steps, root: r };
  return { ok: true, steps, root: r };
}

// Verifies a receipt; returns {ok, problem, record, checkpoint, path, signers}. Never throws for a bad receipt.
async function verifyReceipt(text, pinnedText) {
  const result = { ok: false };
  try {
    if (!pinnedText) throw new Error("no log key is pinned: sign in again with the log's public key; nothing was verified");
    const verifier = await parseVerifierKey(pinnedText);
    const receipt = parseReceipt(text);
    result.receipt = receipt;
    result.recordText = new TextDecoder("utf-8", { fatal: true }).decode(receipt.record);
    const note = await verifyNote(receipt.note, verifier);
    result.signers = note.signers;
    result.signature = note.verified;
    if (!note.verified) throw new Error(note.problem);
    const checkpoint = parseCheckpoint(note.text);
    result.checkpoint = checkpoint;
    result.leaf = await leafHash(receipt.record);
    const path = await inclusionPath(receipt.index, checkpoint.size, result.leaf, receipt.proof);
    result.path = path;
    if (!path.ok) throw new Error(path.problem);
    if (!equal(path.root, checkpoint.root)) throw new Error("the path does not lead to the signed root: the record or the proof was altered");
    let document;
    try { document = JSON.parse(result.recordText); } catch (_) { throw new Error("the record is not JSON"); }
    if (document.seq !== receipt.index) throw new Error("the record says it is record " + document.seq + ", not " + receipt.index);
    result.document = document;
    result.ok = true;
  } catch (error) {
    result.problem = error.message;
  }
  return result;
}

// ---- sign-in ----

function signOut(message) {
  sessionStorage.removeItem(TOKEN);
  sessionStorage.removeItem(AUDITOR);
  policyCache = null;
  $("nav").hidden = true;
  show("signin");
  if (message) { $("signin-error").textContent = message; $("signin-error").hidden = false; }
}

async function signIn(event) {
  event.preventDefault();
  const token = $("signin-token").value.trim();
  const keyText = $("signin-key").value.trim();
  const error = $("signin-error");
  error.hidden = true;
  if (keyText) {
    try { await parseVerifierKey(keyText); } catch (problem) {
      error.textContent = "The public key is not usable: " + problem.message;
      error.hidden = false;
      return;
    }
  }
  let response;
  try {
    response = await fetch("/audit/checkpoint", { headers: { "Authorization": "Bearer " + token }, cache: "no-store" });
  } catch (problem) {
    error.textContent = "The gateway cannot be reached: " + problem.message;
    error.hidden = false;
    return;
  }
  if (response.status !== 200 && response.status !== 404) {
    let code = "http_" + response.status, message = "refused";
    try { const body = await response.json(); code = body.error.code; message = body.error.message; } catch (_) { /* keep */ }
    error.textContent = "Refused (" + code + "): " + message + ". Only an auditor's token opens the console.";
    error.hidden = false;
    return;
  }
  sessionStorage.setItem(TOKEN, token);
  if (keyText) localStorage.setItem(PINNED, keyText);
  $("signin-token").value = "";
  route();
}

// ---- pages ----

const pages = ["signin", "overview", "records", "proof", "person", "partners"];

function show(name) {
  for (const page of pages) $("page-" + page).hidden = page !== name;
  for (const link of document.querySelectorAll("#nav a")) link.classList.toggle("current", link.dataset.page === name);
  notice("");
}

async function route() {
  const signedIn = !!sessionStorage.getItem(TOKEN);
  if (!signedIn) { $("nav").hidden = true; show("signin"); $("signin-key").value = localStorage.getItem(PINNED) || ""; return; }
  $("nav").hidden = false;
  const pinned = localStorage.getItem(PINNED);
  $("who").textContent = pinned ? "log key " + pinned.split("+").slice(0, 2).join("+") : "no log key pinned";
  const [name, argument] = (location.hash.slice(1) || "overview").split("/");
  const page = pages.includes(name) && name !== "signin" ? name : "overview";
  show(page);
  try {
    if (page === "overview") await loadOverview();
    if (page === "records") await loadRecordsPage(argument);
    if (page === "proof") await loadProof(argument);
    if (page === "partners") await loadPartners();
  } catch (error) {
    notice(error.code ? error.code + ": " + error.message : error.message);
  }
}

// -- overview --

function age(seconds) {
  if (seconds === null || seconds === undefined) return "unknown";
  if (seconds < 90) return seconds + " s ago";
  if (seconds < 5400) return Math.round(seconds / 60) + " min ago";
  if (seconds < 172800) return Math.round(seconds / 3600) + " h ago";
  return Math.round(seconds / 86400) + " days ago";
}

function card(title, value, detail, state) {
  return el("div", { class: "card" + (state ? " " + state : "") }, el("h3", {}, title), el("p", { class: "value" }, value), detail ? el("p", {}, detail) : null);
}

function setSVG(id, svg) {
  // The server draws the charts; its SVG is parsed as SVG (not HTML) and only its <svg> element is adopted.
  const parsed = new DOMParser().parseFromString(svg, "image/svg+xml");
  const root = parsed.documentElement;
  clear($(id));
  if (root.nodeName === "svg" && !parsed.querySelector("parsererror")) $(id).append(document.importNode(root, true));
  else $(id).append(el("p", { class: "bad" }, "this chart could not be drawn"));
}

async function loadOverview() {
  const [bucket, span] = $("overview-period").value.split(":");
  const until = new Date();
  const since = new Date(until.getTime() - Number(span) * (bucket === "hour" ? 3600e3 : 86400e3));
  const iso = (d) => d.toISOString().replace(/\.\d{3}Z$/, "Z");
  const data = await apiJSON("/audit/overview" + query({ bucket, since: iso(since), until: iso(until) }));
  const log = data.log;
  const cards = clear($("overview-log"));
  cards.append(card("Records in the log", String(log.size), log.unsigned ? log.unsigned + " not yet in a signed checkpoint" : "all in a signed checkpoint"));
  cards.append(card("In this period", String(data.records), data.forwarded + " forwarded, " + data.refused + " refused"));
  const checkpoint = log.checkpoint;
  if (!checkpoint) {
    cards.append(card("Latest checkpoint", "none yet", "the log has not signed a checkpoint", "bad"));
  } else {
    const pinned = localStorage.getItem(PINNED);
    let verdict = "not verified: no log key pinned", state = "warn";
    if (pinned) {
      try {
        const result = await verifyNote(checkpoint.note, await parseVerifierKey(pinned));
        verdict = result.verified ? "signature verified here with your pinned key ✓" : "NOT VERIFIED: " + result.problem;
        state = result.verified ? "good" : "bad";
      } catch (error) { verdict = "NOT VERIFIED: " + error.message; state = "bad"; }
    }
    cards.append(card("Latest checkpoint", "size " + checkpoint.size, "signed " + age(checkpoint.age_seconds) + " (" + checkpoint.created_at + "); " + verdict, state));
    const cosigned = checkpoint.cosignatures.length;
    cards.append(card("Witnesses", cosigned ? cosigned + " cosignature(s)" : "not cosigned",
      checkpoint.witnesses_configured ? checkpoint.witnesses_configured + " witness(es) configured" : "no witnesses are configured for this log: only its own key signs it", cosigned ? "good" : "warn"));
  }
  const incomplete = $("overview-incomplete");
  incomplete.hidden = data.complete;
  incomplete.textContent = data.complete ? "" : "Only the first " + data.records + " records of this period were counted: choose a shorter period for exact figures.";
  setSVG("chart-time", data.charts.disclosures_over_time);
  setSVG("chart-category", data.charts.by_category);
  setSVG("chart-refusals", data.charts.refusals_by_reason);
  setSVG("chart-withheld", data.charts.withheld_by_caller);
}

// -- records --

let policyCache = null;
async function policyModel() {
  if (!policyCache) policyCache = await apiJSON("/audit/policy");
  return policyCache;
}

const recordsState = { search: null, after: -1, next: null };

async function fillRecordFilters() {
  const form = $("records-form");
  const model = await policyModel();
  const partners = form.elements.partner, purposes = form.elements.purpose;
  if (partners.options.length === 1) {
    for (const partner of [...new Set(model.purposes.map((row) => row.partner))]) partners.append(el("option", {}, partner));
    for (const purpose of [...new Set(model.purposes.map((row) => row.purpose))].sort()) purposes.append(el("option", {}, purpose));
  }
  const reasons = clear($("reasons"));
  for (const reason of ["allowed", "consent_required", "caller_not_allowed", "route_not_allowed", "subject_required", "malformed_json", "duplicate_key", "unsupported_media_type", "body_too_large", "partner_unreachable", "ledger_unavailable"]) {
    reasons.append(el("option", { value: reason }));
  }
}

function utcTime(text, name) {
  const value = text.trim();
  if (!value) return "";
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return value + "T00:00:00Z";
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{3})?Z$/.test(value)) return value;
  throw new Error(name + " is a UTC date (2026-11-25) or time (2026-11-25T10:00:00Z)");
}

async function loadRecordsPage(argument) {
  await fillRecordFilters();
  if (argument && /^subject=[0-9a-f]{64}$/.test(argument)) {
    $("records-form").elements.subject_key.value = argument.slice(8);
    await searchRecords();
  } else if (recordsState.search === null) {
    await searchRecords();
  }
}

async function searchRecords(event) {
  if (event) event.preventDefault();
  const form = $("records-form");
  const search = {};
  for (const name of ["partner", "purpose", "caller", "decision", "reason", "subject_key", "request_id", "limit"]) {
    search[name] = form.elements[name].value.trim();
  }
  try {
    search.since = utcTime(form.elements.since.value, "since");
    search.until = utcTime(form.elements.until.value, "until");
  } catch (error) { notice(error.message); return; }
  recordsState.search = search;
  recordsState.after = -1;
  await showRecords();
}

async function showRecords() {
  notice("");
  $("record-detail").hidden = true;
  const status = $("records-status");
  status.textContent = "Searching…";
  let data;
  try {
    data = await apiJSON("/audit/records" + query(Object.assign({ after: recordsState.after }, recordsState.search)));
  } catch (error) {
    status.textContent = "";
    notice(error.code + ": " + error.message);
    return;
  }
  recordsState.next = data.next_after;
  const body = clear($("records-table").querySelector("tbody"));
  for (const [index, stored] of data.records.entries()) {
    if (stored.kind !== "disclosure") continue;
    const origin = (data.origins || [])[index] || null;
    const record = wholeRecord(stored, origin, data.shapes);
    const row = el("tr", { tabindex: "0", "data-seq": record.seq, class: record.decision === "refuse" ? "refused" : "" },
      el("td", {}, String(record.seq)), el("td", {}, record.time), el("td", {}, record.caller || "—"),
      el("td", {}, record.partner || "—"), el("td", {}, record.purpose || "—"),
      el("td", {}, record.decision === "forward" ? "forwarded" : "refused: " + record.reason),
      el("td", {}, String(nodes(record.disclosed))), el("td", {}, String(nodes(record.withheld))));
    row.addEventListener("click", () => showRecord(record, origin));
    row.addEventListener("keydown", (e) => { if (e.key === "Enter") showRecord(record, origin); });
    body.append(row);
  }
  $("records-table").hidden = data.records.length === 0;
  const start = recordsState.after < 0 ? "from the start" : "after record " + recordsState.after;
  status.textContent = data.records.length === 0 ? "No records match (" + start + ")." :
    data.records.length + " record(s) " + start + (data.next_after === null ? "; no more." : "; more on the next page.");
  $("records-next").disabled = data.next_after === null;
  $("records-first").disabled = recordsState.after < 0;
}

// A version 2 decision names its shape entry (`shape`), which the page gives in `shapes` under ORIGIN#SEQ: the
// record is read with the shape's members (`disclosed`, `withheld`, legal entity, route…); its own members win.
function wholeRecord(record, origin, shapes) {
  if (record.shape === undefined || record.shape === null) return record;
  const shape = (shapes || {})[(origin || "") + "#" + record.shape];
  if (!shape) return Object.assign({ disclosed: [], withheld: [], shape_missing: true }, record);
  const whole = {};
  for (const [name, value] of Object.entries(shape)) if (!["seq", "time", "kind", "request_id", "v"].includes(name)) whole[name] = value;
  return Object.assign(whole, record);
}

// How many fields a `disclosed` or `withheld` list stands for: a version 2 template counts `count` nodes.
function nodes(list) {
  return (list || []).reduce((total, item) => total + (typeof item === "object" && item !== null && Number.isInteger(item.count) ? item.count : 1), 0);
}

// A listed path as shown: a template with its count (`$['items'][*]['sku']` ×3), a version 1 path as it is.
function listedPath(item) {
  if (typeof item === "string") return item;
  return item.path + (item.count > 1 ? " ×" + item.count : "");
}

function definition(list, term, value) {
  list.append(el("dt", {}, term), el("dd", {}, value === null || value === undefined || value === "" ? "—" : String(value)));
}

async function showRecord(record, origin) {
  const detail = clear($("record-detail"));
  detail.hidden = false;
  detail.append(el("h3", {}, "Record " + record.seq + (record.decision === "forward" ? ": forwarded" : ": refused (" + record.reason + ")")));
  const facts = el("dl", { class: "facts" });
  definition(facts, "log (origin)", origin);
  definition(facts, "time (UTC)", record.time);
  definition(facts, "request id", record.request_id);
  definition(facts, "caller", record.caller);
  definition(facts, "partner", record.partner ? record.partner + " (" + (record.partner_legal_entity || "?") + ", " + (record.partner_country || "?") + ")" : null);
  definition(facts, "purpose", record.purpose);
  definition(facts, "legal basis", record.legal_basis);
  const home = (await policyModel()).home_country;
  definition(facts, "transfer basis", record.transfer_basis ||
    (!record.partner_country ? null : record.partner_country === home ? "not a transfer (stays in " + home + ")" : "NONE recorded for a transfer out of " + home));
  definition(facts, "legal reference", record.legal_reference);
  definition(facts, "route", record.route ? record.route : record.method);
  definition(facts, "subject key", record.subject_key);
  definition(facts, "policy version", record.policy_version ? record.policy_version.slice(0, 16) + "…" : null);
  definition(facts, "body digest", record.body_digest);
  // Format version 2: the entry holding what requests of this shape share, with its own inclusion proof.
  if (record.shape !== undefined && record.shape !== null) definition(facts, "shape", "record " + record.shape + " (legal entity, basis, route, fields)");
  const outcome = el("dd", { class: "outcome" }, "looking…");
  facts.append(el("dt", {}, "outcome"), outcome);
  detail.append(facts);

  if (record.shape_missing) notice("ledger_shape_missing: record " + record.seq + " names shape " + record.shape + ", which this page does not hold");
  detail.append(el("h4", {}, "Disclosed (" + nodes(record.disclosed) + ")"));
  if ((record.disclosed || []).length) {
    const table = el("table", { class: "fields" }, el("thead", {}, el("tr", {}, el("th", {}, "path"), el("th", {}, "category"), el("th", {}, "transform"))));
    const body = el("tbody");
    for (const field of record.disclosed) body.append(el("tr", {}, el("td", {}, el("code", {}, listedPath(field))), el("td", {}, field.category), el("td", {}, field.transform)));
    table.append(body);
    detail.append(table);
  } else detail.append(el("p", {}, "Nothing."));
  detail.append(el("h4", {}, "Withheld (" + nodes(record.withheld) + ")"));
  detail.append((record.withheld || []).length ? el("ul", { class: "withheld" }, record.withheld.map((item) => el("li", {}, el("code", {}, listedPath(item))))) : el("p", {}, "Nothing."));
  detail.append(el("p", {}, el("a", { href: "#proof/" + record.seq, class: "button" }, "Verify this record's inclusion proof")));
  detail.scrollIntoView({ block: "nearest" });

  if (record.decision !== "forward") { outcome.textContent = "not forwarded: nothing was sent"; return; }
  try {
    const data = await apiJSON("/audit/records" + query({ request_id: record.request_id, limit: 10 }));
    const found = data.records.find((entry) => entry.kind === "outcome" && entry.decision_seq === record.seq);
    if (!found) { outcome.textContent = "no outcome recorded yet"; return; }
    outcome.textContent = found.error ? "failed: " + found.error + (found.status ? " (HTTP " + found.status + ")" : "")
      : "HTTP " + found.status + ", " + found.bytes_sent + " bytes sent, " + found.bytes_received + " received, " + found.latency_ms + " ms (record " + found.seq + ")";
  } catch (error) { outcome.textContent = "cannot be read: " + error.message; }
}

// -- proof --

function stepItem(title, ...body) { return el("li", {}, el("h4", {}, title), ...body); }

async function showReceipt(text, source) {
  const verdict = $("proof-verdict");
  const steps = clear($("proof-steps"));
  const result = await verifyReceipt(text, localStorage.getItem(PINNED));
  verdict.hidden = false;
  verdict.className = "verdict " + (result.ok ? "good" : "bad");
  verdict.textContent = result.ok
    ? "Verified in this browser: record " + result.receipt.index + " is in the log's signed checkpoint of size " + result.checkpoint.size + " (" + source + ")."
    : "NOT VERIFIED: " + result.problem + " (" + source + ")";
  verdict.dataset.result = result.ok ? "verified" : "failed";
  if (result.recordText !== undefined) {
    steps.append(stepItem("The record as stored", el("pre", { class: "record" }, (() => {
      try { return JSON.stringify(JSON.parse(result.recordText), null, 2); } catch (_) { return result.recordText; }
    })())));
  }
  if (result.leaf) steps.append(stepItem("Leaf hash: SHA-256(0x00 ‖ record)", el("code", { class: "hash" }, hex(result.leaf))));
  if (result.path) {
    const list = el("ol", { class: "path" });
    for (const step of result.path.steps) {
      list.append(el("li", {}, "sibling on the " + step.side + " ", el("code", { class: "hash" }, hex(step.sibling).slice(0, 16) + "…"), " → ", el("code", { class: "hash" }, hex(step.result))));
    }
    steps.append(stepItem("Path to the root (" + result.path.steps.length + " step" + (result.path.steps.length === 1 ? "" : "s") + ", RFC 9162)", list));
    if (result.path.root && result.checkpoint) {
      const same = equal(result.path.root, result.checkpoint.root);
      steps.append(stepItem("Root", el("p", {}, "computed ", el("code", { class: "hash" }, hex(result.path.root))),
        el("p", {}, "signed   ", el("code", { class: "hash" }, hex(result.checkpoint.root))), el("p", { class: same ? "good" : "bad" }, same ? "equal ✓" : "different ✗")));
    }
  }
  if (result.signers) {
    steps.append(stepItem("Checkpoint signature (Ed25519, your pinned key)",
      el("p", { class: result.signature ? "good" : "bad" }, result.signature ? "verified ✓ " + localStorage.getItem(PINNED).split("+").slice(0, 2).join("+") : "not verified ✗"),
      el("p", {}, "signed by: " + (result.signers.join(", ") || "nobody"))));
  }
}

async function loadProof(argument) {
  if (!argument) return;
  $("proof-seq").value = argument;
  await fetchProof();
}

async function fetchProof(event) {
  if (event) event.preventDefault();
  const seq = $("proof-seq").value.trim();
  if (!/^(0|[1-9][0-9]*)$/.test(seq)) { notice("A record number is a whole number."); return; }
  if (location.hash !== "#proof/" + seq) history.replaceState(null, "", "#proof/" + seq);
  let text;
  try {
    text = await (await api("/audit/proof/" + seq)).text();
  } catch (error) {
    clear($("proof-steps"));
    $("proof-verdict").hidden = true;
    notice(error.code + ": " + error.message);
    return;
  }
  $("proof-text").value = text;
  await showReceipt(text, "fetched from the gateway");
}

// -- person --

let personReport = null;

async function personRequest(format) {
  return api("/audit/subjects/report", {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ subject: $("person-id").value, language: $("person-language").value, reference: $("person-reference").value.trim() || null, format }),
  });
}

async function showPerson(event) {
  event.preventDefault();
  notice("");
  if (!$("person-id").value.trim()) { notice("Enter the customer id as the services send it."); return; }
  let report;
  try { report = await (await personRequest("json")).json(); } catch (error) { notice(error.code + ": " + error.message); return; }
  personReport = report;
  $("person-result").hidden = false;
  $("person-summary").textContent = report.summary + " (subject key " + report.subject_key.slice(0, 16) + "…, generated " + report.generated_at_text + ")";
  $("person-records").href = "#records/subject=" + report.subject_key;
  const body = clear($("person-recipients").querySelector("tbody"));
  for (const recipient of report.recipients) {
    const erasure = recipient.erasure.map((e) => e.text).join("; ") || "none requested";
    for (const use of recipient.uses) {
      body.append(el("tr", {},
        el("td", {}, el("strong", {}, recipient.name), el("br"), recipient.legal_entity),
        el("td", {}, recipient.country_name + " (" + recipient.country + ")"),
        el("td", {}, use.purpose_text),
        el("td", {}, use.legal_basis_text + (use.transfer_basis ? "; transfer: " + use.transfer_basis : "")),
        el("td", {}, use.categories.map((c) => el("span", { class: c.sensitive ? "tag sensitive" : "tag" }, (c.sensitive ? "⚠ " : "") + c.text))),
        el("td", {}, String(use.disclosures)), el("td", {}, use.first.slice(0, 10)), el("td", {}, use.last.slice(0, 10)),
        el("td", {}, erasure)));
    }
  }
  if (report.recipients.length === 0) body.append(el("tr", {}, el("td", { colspan: "9" }, "No partner received this person's data in the ledger.")));
  const consents = clear($("person-consents"));
  for (const consent of report.consents) {
    consents.append(el("li", {}, el("strong", {}, consent.recipient), " · " + consent.purpose_text + " (" + consent.kind + "): " + consent.text));
  }
  for (const other of report.other_erasures) consents.append(el("li", {}, other.partner + ": " + other.erasure.text));
  if (!consents.firstChild) consents.append(el("li", {}, "No consent recorded."));
}

async function download(format) {
  if (!personReport) return;
  try {
    const blob = await (await personRequest(format)).blob();
    const link = el("a", { href: URL.createObjectURL(blob), download: "access-report-" + (personReport.reference || personReport.subject_key.slice(0, 12)) + "-" + personReport.language + "." + format });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(link.href), 10000);
  } catch (error) { notice(error.code + ": " + error.message); }
}

// -- partners --

async function loadPartners() {
  const model = await policyModel();
  $("partners-version").textContent = "Policy version " + model.policy_version.slice(0, 16) + "…: what the gateway enforces now. Anything not listed is withheld.";
  const list = clear($("partners-list"));
  const byPartner = new Map();
  for (const row of model.purposes) {
    if (!byPartner.has(row.partner)) byPartner.set(row.partner, []);
    byPartner.get(row.partner).push(row);
  }
  for (const [partner, rows] of byPartner) {
    const section = el("section", { class: "partner", "data-partner": partner },
      el("h3", {}, rows[0].recipient + " ", el("span", { class: "id" }, partner + " · " + rows[0].country)));
    for (const row of rows) {
      const fields = el("table", { class: "fields" }, el("thead", {}, el("tr", {}, el("th", {}, "what may leave"), el("th", {}, "category"), el("th", {}, "form"))));
      const body = el("tbody");
      for (const field of row.fields) {
        body.append(el("tr", {}, el("td", {}, el("code", {}, field.field)),
          el("td", {}, el("span", { class: field.sensitive ? "tag sensitive" : "tag" }, (field.sensitive ? "⚠ " : "") + field.category)),
          el("td", {}, field.transform === "keep" ? "as sent" : field.transform)));
      }
      if (!row.fields.length) body.append(el("tr", {}, el("td", { colspan: "3" }, "no personal data: the request carries none")));
      fields.append(body);
      const facts = el("dl", { class: "facts" });
      definition(facts, "legal basis", row.legal_basis);
      definition(facts, "transfer basis", row.transfer_basis);
      definition(facts, "routes", row.routes.join(", "));
      definition(facts, "retention", row.retention);
      definition(facts, "erasure", row.erasure);
      section.append(el("div", { class: "purpose", "data-purpose": row.purpose }, el("h4", {}, row.purpose + ": " + row.description), facts, fields));
    }
    list.append(section);
  }
}

// ---- wiring ----

document.addEventListener("DOMContentLoaded", () => {
  $("signin-form").addEventListener("submit", signIn);
  $("signout").addEventListener("click", () => signOut(""));
  $("overview-form").addEventListener("submit", (event) => { event.preventDefault(); loadOverview().catch((e) => notice(e.code + ": " + e.message)); });
  $("records-form").addEventListener("submit", searchRecords);
  $("records-next").addEventListener("click", () => { recordsState.after = recordsState.next; showRecords(); });
  $("records-first").addEventListener("click", () => { recordsState.after = -1; showRecords(); });
  $("proof-form").addEventListener("submit", fetchProof);
  $("proof-check").addEventListener("click", () => showReceipt($("proof-text").value, "pasted receipt"));
  $("person-form").addEventListener("submit", showPerson);
  $("person-download-html").addEventListener("click", () => download("html"));
  $("person-download-json").addEventListener("click", () => download("json"));
  window.addEventListener("hashchange", route);
  route();
});
